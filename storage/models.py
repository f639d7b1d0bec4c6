"""The database schema as SQLAlchemy 2.0 typed models (migrations in ``storage/migrations``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """All models share one metadata with stable constraint names (for migrations)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class MemberRow(Base):
    """One person."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    # Case-folded name for look-ups (case folding can make a name longer: ß → ss).
    name_key: Mapped[str] = mapped_column(String(255), index=True)
    language: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    primary_identity: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # 1: what others write reaches this member translated; 0: always the original.
    auto_translate: Mapped[int] = mapped_column(Integer, server_default="1")
    # 1: plain text this member writes goes to their team (/teamchat on).
    team_chat: Mapped[int] = mapped_column(Integer, server_default="0")


class IdentityRow(Base):
    """One platform identity of a member (``telegram:123``, ``slack:T1/U2``, ``console:alice``)."""

    __tablename__ = "identities"

    identity: Mapped[str] = mapped_column(String(200), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           index=True)
    platform: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]


class MemberRoleRow(Base):
    """A programme-wide role a member holds."""

    __tablename__ = "member_roles"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    granted_at: Mapped[datetime]
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_member_roles_role", "role"),)


class TeamRow(Base):
    """A project team."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(20))
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    co_leader_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    # When the team last uploaded or said something (follow-ups look for inactive teams).
    last_activity_at: Mapped[datetime | None] = mapped_column(index=True)
    # A coordinator paused the nags about this team until then.
    nags_paused_until: Mapped[datetime | None]

    __table_args__ = (
        # A rejected proposal frees its name for another try.
        Index("uq_teams_name_key_active", "name_key", unique=True,
              sqlite_where=text("status != 'rejected'"),
              postgresql_where=text("status != 'rejected'")),
    )


class TeamMemberRow(Base):
    """Membership: each member is in at most one team."""

    __tablename__ = "team_members"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime]

    # A team's roster in join order, straight from the index (no sort).
    __table_args__ = (Index("ix_team_members_roster", "team_id", "joined_at", "member_id"),)


class HelpRequestRow(Base):
    """A question to the help desk."""

    __tablename__ = "help_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                          index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    # When someone other than the asker first answered; unanswered requests are followed up.
    answered_at: Mapped[datetime | None]
    # Unanswered far too long (follow-ups mark it; /tickets shows it first).
    urgent: Mapped[int] = mapped_column(Integer, server_default="0")

    __table_args__ = (Index("ix_help_requests_status_created", "status", "created_at"),
                      # Open and unanswered, by age: the follow-ups' help-request reminders
                      # (answered requests left open are not read).
                      Index("ix_help_requests_unanswered", "status", "answered_at",
                            "created_at"))


class HelpMessageRow(Base):
    """An answer or follow-up on a help request."""

    __tablename__ = "help_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id", ondelete="CASCADE"),
                                            index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime]


class ConversationRow(Base):
    """The guided command a member is half-way through."""

    __tablename__ = "conversations"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    flow: Mapped[str] = mapped_column(String(30))
    step: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, str]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class OutboxRowModel(Base):
    """One message for one recipient: queued with the change that caused it, sent later."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    identity: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[list[list[str]]]] = mapped_column(JSON)
    # Files sent with the message: [{"name", "size", "type", "location"}, …].
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, server_default="[]")
    context: Mapped[str | None] = mapped_column(String(30))
    context_id: Mapped[int | None]
    # translating → pending → sent (or failed).
    status: Mapped[str] = mapped_column(String(12), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime]
    not_before: Mapped[datetime | None]  # a failed send waits until then to be retried
    sent_at: Mapped[datetime | None]
    sent_chat_id: Mapped[str | None] = mapped_column(String(200))
    platform_message_id: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    # Messages quoting what people wrote wait in status "translating" until the translation
    # stage fills ``text``. ``template`` is the message with a marker per quoted text, and
    # ``pieces`` the quoted texts: [{"text", "source", "target", "detect"}, …] (kept, so the
    # original is one step away).
    template: Mapped[str | None] = mapped_column(Text)
    pieces: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # When every translator failed: the original went out; try again from then on.
    retry_at: Mapped[datetime | None]
    retries: Mapped[int] = mapped_column(Integer, server_default="0")
    # The platform message (same chat) whose buttons this one answers: they are taken off it
    # once this one is sent.
    closes: Mapped[str | None] = mapped_column(String(100))
    # The platform message (same chat) whose conversation this one continues: Slack posts it
    # in that message's thread, Telegram as a reply to it.
    thread: Mapped[str | None] = mapped_column(String(100))
    # The dispatcher process that took the row to send it, and until when (renewed while it
    # sends; another process may take it once that has passed: the holder died).
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    # The member whose words the message quotes (team talk, a question, an answer, a comment),
    # when it quotes one person's: forgetting them finds the copies others received. (No ON
    # DELETE action: SQLite adds a column only with a plain reference, and a member is deleted
    # only when merged into another, which moves this first.)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))

    __table_args__ = (
        Index("ix_outbox_status_id", "status", "id"),
        Index("ix_outbox_sent_message", "platform", "sent_chat_id", "platform_message_id"),
        # Only the few messages whose translation is to be retried are indexed.
        Index("ix_outbox_retry_at", "retry_at", sqlite_where=sql_text("retry_at IS NOT NULL"),
              postgresql_where=sql_text("retry_at IS NOT NULL")),
        # Only messages quoting someone are indexed by their author.
        Index("ix_outbox_author", "author_id", sqlite_where=sql_text("author_id IS NOT NULL"),
              postgresql_where=sql_text("author_id IS NOT NULL")),
    )



def table(model: type[Base]) -> Table:
    """The Core table behind a model, typed for Core statements."""
    found = model.__table__
    assert isinstance(found, Table)
    return found


class TaskRow(Base):
    """One line of a team's terms of reference."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    output: Mapped[str] = mapped_column(Text)
    due_date: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD, as the team agreed it
    due_at: Mapped[datetime] = mapped_column(index=True)  # end of that day, team's zone, UTC
    funds_share: Mapped[int | None]
    done: Mapped[int] = mapped_column(Integer, server_default="0")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    # Open tasks by due moment: the follow-ups' due-soon and overdue reminders.
    __table_args__ = (Index("ix_tasks_open_due", "done", "due_at"),)
    created_at: Mapped[datetime]


class TaskResponsibleRow(Base):
    """A member responsible for a task."""

    __tablename__ = "task_responsibles"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"),
                                         primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)


class DeliverableRow(Base):
    """What a team hands in for one task."""

    __tablename__ = "deliverables"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    # Kept with each new version and round, so that overviews of thousands of tasks need no
    # aggregation over versions and rounds.
    latest_version: Mapped[int] = mapped_column(Integer, server_default="0")
    latest_round: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime]
    # Since when it has had its status (follow-ups: changes requested and not yet answered).
    status_since: Mapped[datetime | None]

    __table_args__ = (Index("ix_deliverables_status_since", "status", "status_since"),)


class VersionRow(Base):
    """One uploaded file of a deliverable (bytes in the file store, under their sha256)."""

    __tablename__ = "versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="CASCADE"))
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(130))
    size: Mapped[int]
    kind: Mapped[str] = mapped_column(String(8))
    submitted_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime]
    # What the team said changed (the caption), and the language it was written in.
    note: Mapped[str | None] = mapped_column(Text)
    note_language: Mapped[str | None] = mapped_column(String(2))

    __table_args__ = (UniqueConstraint("deliverable_id", "number"),
                      Index("ix_versions_content", "deliverable_id", "sha256"))


class ReviewerProfileRow(Base):
    """What a reviewer reads and knows about."""

    __tablename__ = "reviewer_profiles"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    languages: Mapped[str] = mapped_column(String(20))  # "pt,en"
    topics: Mapped[str] = mapped_column(Text)  # "budgeting,gender"


class AssignmentRow(Base):
    """A reviewer assigned to a deliverable (all its versions) until they decline."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(
        ForeignKey("deliverables.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    active: Mapped[int] = mapped_column(Integer, server_default="1")
    # 1 while the review counts in the reviewer's load: active, deliverable not approved.
    open_review: Mapped[int] = mapped_column(Integer, server_default="0")
    assigned_at: Mapped[datetime]

    # A reviewer's last assignment, found on the index.
    __table_args__ = (Index("ix_assignments_recent", "reviewer_id", "assigned_at"),)


class ReviewerLoadRow(Base):
    """How many open reviews a reviewer has: the sum of their assignments' ``open_review``,
    kept by triggers on ``assignments`` (migration 0006), so that choosing a reviewer reads one
    row per reviewer instead of counting, and no deletion (a cascade included) leaves it
    wrong."""

    __tablename__ = "reviewer_loads"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    open_reviews: Mapped[int] = mapped_column(Integer, server_default="0")


class RoundRow(Base):
    """One reviewer's pass over one version; ends with approval or a request for changes."""

    __tablename__ = "review_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"),
                                            index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    number: Mapped[int]
    decision: Mapped[str | None] = mapped_column(String(10))
    opened_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]

    # Open rounds (no decision yet) by age: the follow-ups' review reminders.
    __table_args__ = (Index("ix_review_rounds_open", "decision", "opened_at"),)


class CommentRow(Base):
    """A comment on a version: a reviewer's, or a team member's answer to one."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("review_rounds.id", ondelete="CASCADE"),
                                          index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime]


class TranslationRow(Base):
    """A machine translation kept so that the same text is never translated twice."""

    __tablename__ = "translations"

    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the source
    source: Mapped[str] = mapped_column(String(2), primary_key=True)
    target: Mapped[str] = mapped_column(String(2), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]


class NagRow(Base):
    """The last follow-up one member got about one item under one rule, and any snooze."""

    __tablename__ = "nags"

    rule: Mapped[str] = mapped_column(String(12), primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    # Which step of the rule it was (a due-soon threshold, an inactivity period).
    stage: Mapped[int] = mapped_column(Integer, server_default="0")
    # The member's local date when it was sent (never twice on one local day).
    sent_on: Mapped[str | None] = mapped_column(String(10))
    sent_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]


class SchedulerLockRow(Base):
    """Which process runs the scheduler on this database, until when (SQLite; PostgreSQL uses
    an advisory lock)."""

    __tablename__ = "scheduler_lock"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]


# The tables of later capabilities live in modules of their own, on the same metadata.
from storage import (  # noqa: E402,F401
    models_broadcasts,
    models_delivery,
    models_events,
    models_groups,
    models_links,
    models_privacy,
    models_updates,
)
