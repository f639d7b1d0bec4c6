"""The events' tables (part of the one schema in ``storage.models``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class EventRow(Base):
    """A video-conference event or planning meeting."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    title_language: Mapped[str] = mapped_column(String(2))
    agenda: Mapped[str] = mapped_column(Text)
    agenda_language: Mapped[str] = mapped_column(String(2))
    starts_at: Mapped[datetime]
    # The end, kept so that "not over yet" is one index range.
    ends_at: Mapped[datetime] = mapped_column(index=True)
    duration_minutes: Mapped[int]
    link: Mapped[str] = mapped_column(String(500))
    # The zone the organiser gave the start in (the start itself is one UTC instant).
    zone: Mapped[str] = mapped_column(String(64))
    # Who was invited, as the audience module stores an audience (JSON).
    audience: Mapped[str] = mapped_column(Text)
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10))
    # The calendar file's SEQUENCE: one more at every change.
    sequence: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class EventTeamRow(Base):
    """A team presenting at an event."""

    __tablename__ = "event_teams"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"),
                                         primary_key=True)


class EventInvitationRow(Base):
    """One member invited to an event, and their answer (NULL: none yet)."""

    __tablename__ = "event_invitations"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    answer: Mapped[str | None] = mapped_column(String(5))
    invited_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]

    # The events one member is invited to.
    __table_args__ = (Index("ix_event_invitations_member", "member_id", "event_id"),)


class EventReminderRow(Base):
    """One reminder of an event (so many hours before its start) and what became of it."""

    __tablename__ = "event_reminders"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          primary_key=True)
    hours: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_at: Mapped[datetime]
    # Set once it was sent, skipped or cancelled: the sweep never looks at it again.
    done_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(10))

    # The sweep reads only the reminders still to come, by their moment.
    __table_args__ = (
        Index("ix_event_reminders_due", "due_at", sqlite_where=sql_text("done_at IS NULL"),
              postgresql_where=sql_text("done_at IS NULL")),
    )
