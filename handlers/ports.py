"""The ports the core talks through: a unit of work with its repositories, a clock, join codes.

The implementations live in ``storage/`` (SQL) and ``bot/`` (clock, randomness); tests may use
simple in-memory ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from handlers.broadcast_ports import Broadcasts
from handlers.domain import (
    Candidate,
    Comment,
    Contact,
    Deliverable,
    DeliverableStatus,
    HelpRequest,
    Language,
    Member,
    PendingStep,
    QueueItem,
    Region,
    ReviewerProfile,
    Role,
    Round,
    SentMessage,
    Task,
    TaskState,
    Team,
    Version,
)
from handlers.event_ports import Events
from handlers.followup_ports import Followups
from handlers.link_ports import Links
from handlers.messages import Attachment, Thread
from handlers.privacy_ports import Audit, PersonalData
from handlers.team_group_ports import TeamGroups
from handlers.translation import Piece

if TYPE_CHECKING:  # handlers.audience needs the turn, which needs these ports
    from handlers.audience import Audiences


class Clock(Protocol):
    """Tells the time (real in production, virtual in the console and tests)."""

    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""
        ...


class JoinCodes(Protocol):
    """Makes new join codes."""

    def new_code(self) -> str:
        """A fresh, hard-to-guess code."""
        ...


class Members(Protocol):
    """People, their platform identities and programme-wide roles."""

    def by_identity(self, identity: str) -> Member | None:
        """The member behind one platform identity."""
        ...

    def get(self, member_id: int) -> Member | None:
        """One member by id."""
        ...

    def add(self, name: str, identity: str, language: Language, timezone: str,
            now: datetime) -> Member:
        """Register a new person with their first identity."""
        ...

    def identities(self, member_id: int) -> list[str]:
        """Every platform identity of a member."""
        ...

    def use_identity(self, member_id: int, identity: str) -> None:
        """Remember the identity the member last wrote from (where private messages go)."""
        ...

    def set_language(self, member_id: int, language: Language) -> None:
        """Change a member's language."""
        ...

    def set_timezone(self, member_id: int, timezone: str) -> None:
        """Change a member's time zone."""
        ...

    def find_by_name(self, name: str) -> list[Member]:
        """Members whose name matches (exact, case-insensitive), else those it starts."""
        ...

    def with_role(self, role: Role) -> list[Member]:
        """Every member holding a programme-wide role."""
        ...

    def grant(self, member_id: int, role: Role, by: int | None, now: datetime) -> bool:
        """Give a role; False when the member already had it."""
        ...

    def revoke(self, member_id: int, role: Role) -> bool:
        """Take a role away; False when the member did not have it."""
        ...

    def contacts(self, member_ids: Iterable[int]) -> dict[int, Contact]:
        """Where and in which language to reach each of these members."""
        ...

    def set_auto_translate(self, member_id: int, on: bool) -> None:
        """Whether what others write reaches the member translated."""
        ...

    def set_team_chat(self, member_id: int, on: bool) -> None:
        """Whether the member's plain text goes to their team."""
        ...


class Teams(Protocol):
    """Project teams and who is in them."""

    def add(self, name: str, topic: str, region: Region, join_code: str, leader_id: int,
            approved: bool, now: datetime) -> Team:
        """Create a team with its leader as first member."""
        ...

    def get(self, team_id: int) -> Team | None:
        """One team by id."""
        ...

    def touch(self, team_id: int, now: datetime) -> None:
        """Record that the team uploaded or said something (it is not inactive)."""
        ...

    def by_name(self, name: str) -> Team | None:
        """A team by name, case-insensitive."""
        ...

    def by_code(self, code: str) -> Team | None:
        """A team by join code, case-insensitive."""
        ...

    def code_taken(self, code: str) -> bool:
        """Whether a join code is in use."""
        ...

    def of_member(self, member_id: int) -> Team | None:
        """The team a member belongs to."""
        ...

    def members(self, team_id: int) -> list[Member]:
        """A team's members, in the order they joined."""
        ...

    def add_member(self, team_id: int, member_id: int, now: datetime) -> None:
        """Put a member into a team."""
        ...

    def remove_member(self, team_id: int, member_id: int) -> None:
        """Take a member out of a team (and out of its leader/co-leader slots)."""
        ...

    def delete(self, team_id: int) -> None:
        """Remove a team that no longer has members."""
        ...

    def set_leaders(self, team_id: int, leader_id: int | None, co_leader_id: int | None) -> None:
        """Set who leads and co-leads a team."""
        ...

    def decide(self, team_id: int, approved: bool, by: int, now: datetime) -> bool:
        """Record a coordinator's approval or rejection of a pending team; False when it was
        no longer pending (another coordinator decided first)."""
        ...

    def all(self) -> list[Team]:
        """Every team, by name."""
        ...

    def member_counts(self) -> dict[int, int]:
        """How many members each team has."""
        ...


class HelpRequests(Protocol):
    """Questions to the help desk and the messages exchanged about them."""

    def open(self, asker_id: int, team_id: int | None, text: str, language: Language,
             now: datetime) -> HelpRequest:
        """Record a new question."""
        ...

    def get(self, request_id: int) -> HelpRequest | None:
        """One request by number."""
        ...

    def add_message(self, request_id: int, author_id: int, text: str, language: Language,
                    now: datetime) -> None:
        """Record an answer or a follow-up."""
        ...

    def set_status(self, request_id: int, open_: bool, by: int, now: datetime) -> None:
        """Close or reopen a request."""
        ...

    def participants(self, request_id: int) -> set[int]:
        """Everyone who wrote on a request."""
        ...

    def open_requests(self) -> list[HelpRequest]:
        """Open requests, oldest first."""
        ...

    def asked_by(self, member_id: int) -> list[HelpRequest]:
        """A member's own requests, open first, then newest first."""
        ...


class Tasks(Protocol):
    """Teams' terms of reference: their tasks and who is responsible for each."""

    def add(self, team_id: int, title: str, output: str, due_date: date, due_at: datetime,
            funds_share: int | None, responsible: Sequence[int], by: int,
            now: datetime) -> Task:
        """Add a task to a team."""
        ...

    def get(self, task_id: int) -> Task | None:
        """One task by id."""
        ...

    def of_team(self, team_id: int) -> list[Task]:
        """A team's tasks by due date."""
        ...

    def change(self, task_id: int, *, title: str | None = None, output: str | None = None,
               due: tuple[date, datetime] | None = None, funds_share: int | None = None,
               clear_share: bool = False, responsible: Sequence[int] | None = None) -> None:
        """Change some of a task's fields."""
        ...

    def remove(self, task_id: int) -> None:
        """Delete a task."""
        ...

    def mark_done(self, task_id: int) -> None:
        """A task whose output was accepted."""
        ...


class Deliverables(Protocol):
    """Deliverables and their versions."""

    def for_task(self, task_id: int) -> Deliverable | None:
        """The deliverable of a task, if anything was handed in."""
        ...

    def get(self, deliverable_id: int) -> Deliverable | None:
        """One deliverable by id."""
        ...

    def create(self, team_id: int, task_id: int, now: datetime) -> Deliverable:
        """Start the deliverable of a task."""
        ...

    def versions(self, deliverable_id: int) -> list[Version]:
        """A deliverable's versions, oldest first."""
        ...

    def add_version(self, deliverable_id: int, sha256: str, filename: str, size: int,
                    kind: str, by: int, now: datetime, note: str = "",
                    note_language: Language | None = None) -> Version:
        """Record the next version of a deliverable, with what the team says changed."""
        ...

    def set_status(self, deliverable_id: int, status: DeliverableStatus,
                   now: datetime) -> None:
        """Move a deliverable along its review (a change of status is dated)."""
        ...

    def states(self, team_id: int | None = None) -> list[TaskState]:
        """Where every task stands (of one team, or of all teams), by team and due date."""
        ...

    def version(self, version_id: int) -> Version | None:
        """One version by id."""
        ...


class Reviews(Protocol):
    """Reviewers, who reviews what, review rounds and their comments."""

    def profile(self, member_id: int) -> ReviewerProfile | None:
        """What a reviewer declared they read and know."""
        ...

    def set_profile(self, member_id: int, languages: Iterable[Language],
                    topics: Sequence[str]) -> None:
        """Record a reviewer's languages and topics."""
        ...

    def candidates(self) -> list[Candidate]:
        """Every reviewer with their profile, open reviews (active assignments on deliverables
        not approved) and last assignment."""
        ...

    def reviewers_of(self, deliverable_id: int) -> list[int]:
        """The reviewers assigned to a deliverable now."""
        ...

    def declined(self, deliverable_id: int) -> set[int]:
        """The reviewers who declined a deliverable."""
        ...

    def assign(self, deliverable_id: int, reviewer_id: int, now: datetime) -> None:
        """Assign a reviewer to a deliverable."""
        ...

    def decline(self, deliverable_id: int, reviewer_id: int) -> None:
        """Take a reviewer off a deliverable (they declined, were replaced, or may no longer
        review it); they are not chosen for it again."""
        ...

    def open_round(self, version_id: int, reviewer_id: int, number: int,
                   now: datetime) -> Round:
        """Start a reviewer's round on a version."""
        ...

    def rounds(self, deliverable_id: int) -> list[Round]:
        """Every reviewer's rounds on every version of a deliverable, oldest first."""
        ...

    def round(self, round_id: int) -> Round | None:
        """One round by id."""
        ...

    def decide(self, round_id: int, decision: str, now: datetime) -> bool:
        """Close an open round with a decision; False when it was already decided."""
        ...

    def add_comment(self, round_id: int, author_id: int, text: str, language: Language,
                    now: datetime) -> Comment:
        """Record a comment in a round."""
        ...

    def comments(self, round_id: int) -> list[Comment]:
        """A round's comments, oldest first."""
        ...

    def comment(self, comment_id: int) -> Comment | None:
        """One comment by id."""
        ...

    def queue(self, reviewer_id: int) -> list[QueueItem]:
        """The versions waiting for a reviewer's decision, oldest first."""
        ...


class FileStore(Protocol):
    """Where deliverables' bytes are kept: by their sha256, never under their given name."""

    def read(self, location: str, limit: int) -> bytes:
        """The bytes an adapter left at a location, at most ``limit + 1`` of them."""
        ...

    def keep(self, content: bytes) -> str:
        """Store bytes (once per content) and return their sha256."""
        ...

    def location(self, sha256: str) -> str:
        """Where stored bytes can be read again (to send them on)."""
        ...

    def discard(self, sha256: str) -> None:
        """Delete stored bytes (nothing refers to them any more); nothing happens when they
        are not there."""
        ...


class Conversations(Protocol):
    """Half-finished guided commands, one per member."""

    def get(self, member_id: int) -> PendingStep | None:
        """The step a member is in, if any."""
        ...

    def set(self, member_id: int, step: PendingStep, now: datetime) -> None:
        """Remember the step a member is in."""
        ...

    def clear(self, member_id: int) -> None:
        """Forget any pending step."""
        ...


class OutboxRow(NamedTuple):
    """One rendered message for one recipient, waiting to be sent."""

    member_id: int
    identity: str
    chat_id: str | None
    language: Language
    text: str
    buttons: Sequence[Sequence[tuple[str, str]]]
    context: str | None
    context_id: int | None
    created_at: datetime
    attachments: Sequence[Attachment] = ()
    # A message quoting what people wrote: ``text`` has the originals in place until the
    # translation stage replaces it; ``template`` has markers, ``pieces`` the quoted texts.
    template: str | None = None
    pieces: Sequence[Piece] = ()
    # The platform message (same chat) whose buttons come off once this one is sent.
    closes: str | None = None
    # The conversation it continues: the outbox keeps the platform message it goes under.
    thread: Thread | None = None
    # The member whose words it quotes, when one person's (forgetting them finds it).
    author_id: int | None = None


class QuotedMessage(NamedTuple):
    """A message as it was queued for one member: its template and the texts it quoted."""

    number: int
    language: Language
    text: str
    template: str | None
    pieces: Sequence[Piece]


class Outbox(Protocol):
    """Messages waiting to be sent, and the record of those sent."""

    def add(self, rows: Sequence[OutboxRow]) -> None:
        """Queue rendered messages (in the caller's transaction)."""
        ...

    def find_sent(self, platform: str, chat_id: str,
                  platform_message_id: str) -> SentMessage | None:
        """What a message the bot sent was about, from its platform message id."""
        ...

    def quoted(self, member_id: int, number: int) -> QuotedMessage | None:
        """A message sent to this member, with the texts it quoted (None: not theirs)."""
        ...

    def unreachable_members(self) -> int:
        """How many members the bot cannot reach on some platform (they blocked it), for
        coordinators' ``/overview``."""
        ...


class UnitOfWork(Protocol):
    """One transaction over all repositories; nothing is stored until ``commit``."""

    @property
    def members(self) -> Members:
        """People and roles."""
        ...

    @property
    def teams(self) -> Teams:
        """Teams and membership."""
        ...

    @property
    def help_requests(self) -> HelpRequests:
        """Questions to the help desk."""
        ...

    @property
    def reviews(self) -> Reviews:
        """Reviewers and review rounds."""
        ...

    @property
    def deliverables(self) -> Deliverables:
        """Deliverables and versions."""
        ...

    @property
    def tasks(self) -> Tasks:
        """Teams' tasks."""
        ...

    @property
    def conversations(self) -> Conversations:
        """Guided commands in progress."""
        ...

    @property
    def outbox(self) -> Outbox:
        """Messages to send."""
        ...

    @property
    def audiences(self) -> Audiences:
        """Who an audience (of a broadcast, an event) reaches."""
        ...

    @property
    def broadcasts(self) -> Broadcasts:
        """Broadcasts and their delivery."""
        ...

    @property
    def events(self) -> Events:
        """Events, invitations and RSVPs."""
        ...

    @property
    def followups(self) -> Followups:
        """What the follow-up rules look at, and the nags sent."""
        ...

    @property
    def groups(self) -> TeamGroups:
        """Teams' group chats."""
        ...

    @property
    def links(self) -> Links:
        """One-time codes that join a person's identities on several platforms."""
        ...

    @property
    def audit(self) -> Audit:
        """The record of who granted, approved, assigned, broadcast and forgot what."""
        ...

    @property
    def privacy(self) -> PersonalData:
        """Everything stored about one member, to export or forget."""
        ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: Any) -> None: ...

    def commit(self) -> None:
        """Store everything done in this unit of work."""
        ...

    def rollback(self) -> None:
        """Forget everything done in this unit of work."""
        ...

    def mark_handled(self, platform: str, receipts: Sequence[int], now: datetime) -> None:
        """Record that a platform's deliveries (updates) have been handled."""
        ...

    def handled_already(self, platform: str, receipts: Sequence[int]) -> set[int]:
        """Which of these deliveries were handled already (by a committed transaction)."""
        ...

    def one_sweep_at_a_time(self) -> None:
        """Wait until no other sweep runs on this database, and keep others waiting until this
        transaction ends (two sweeps at once would send the same nags twice)."""
        ...

    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: an exception inside it undoes only its own changes."""
        ...
