"""The port the events talk through: events, who is invited, their answers and reminders.

Implemented in ``storage/events.py`` (SQL).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple, Protocol

from handlers.domain import Language, Member


class Answer(StrEnum):
    """What an invitee said they will do."""

    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class EventStatus(StrEnum):
    """Whether an event still takes place."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class ReminderOutcome(StrEnum):
    """What became of one reminder of one event."""

    SENT = "sent"
    SKIPPED = "skipped"  # its moment had passed (the bot was down, or the event moved close)
    CANCELLED = "cancelled"  # the event was cancelled first


class Event(NamedTuple):
    """A video-conference event or planning meeting."""

    id: int
    title: str
    title_language: Language
    agenda: str
    agenda_language: Language
    starts_at: datetime
    duration_minutes: int
    link: str
    zone: str  # the zone the organiser gave the start in
    presenting: tuple[str, ...]  # the presenting teams' names
    audience: str  # how the audience was chosen (the audience module's description)
    organiser_id: int | None  # None once the organiser is gone
    status: EventStatus
    sequence: int  # incremented at every change (the calendar file's SEQUENCE)
    created_at: datetime

    @property
    def ends_at(self) -> datetime:
        """When the event ends."""
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def code(self) -> str:
        """How people refer to an event: ``E3``."""
        return f"E{self.id}"


class NewEvent(NamedTuple):
    """An event as the organiser described it, before it is stored."""

    title: str
    title_language: Language
    agenda: str
    agenda_language: Language
    starts_at: datetime
    duration_minutes: int
    link: str
    zone: str
    presenting: tuple[int, ...]  # team ids
    audience: str


class Reminder(NamedTuple):
    """One reminder of an event: how many hours before the start, and when that is."""

    hours: int
    due_at: datetime
    outcome: ReminderOutcome | None = None  # None: still to come


class DueReminder(NamedTuple):
    """A reminder whose moment has come and that was neither sent nor skipped."""

    event_id: int
    hours: int
    due_at: datetime


class Counts(NamedTuple):
    """How the invitees of one event answered."""

    yes: int = 0
    maybe: int = 0
    no: int = 0
    unanswered: int = 0


class Listed(NamedTuple):
    """An event as one person sees it in ``/events``: invited or not, and their answer."""

    event: Event
    invited: bool
    answer: Answer | None


class EventChange(NamedTuple):
    """New values for some of an event's fields (None: unchanged)."""

    title: tuple[str, Language] | None = None
    agenda: tuple[str, Language] | None = None
    starts_at: datetime | None = None
    duration_minutes: int | None = None
    link: str | None = None
    zone: str | None = None


class Events(Protocol):
    """Video-conference events and planning meetings, their invitations and RSVPs."""

    def add(self, event: NewEvent, organiser_id: int, invitees: Sequence[int],
            reminders: Sequence[Reminder], now: datetime) -> Event:
        """Store an event, invite these members and plan its reminders."""
        ...

    def get(self, event_id: int) -> Event | None:
        """One event by id."""
        ...

    def invitees(self, event_id: int, *, declined: bool = True) -> list[Member]:
        """Everyone invited (``declined=False``: those who did not say they won't come)."""
        ...

    def answer_of(self, event_id: int, member_id: int) -> tuple[bool, Answer | None]:
        """Whether a member is invited, and what they answered."""
        ...

    def answer(self, event_id: int, member_id: int, answer: Answer, now: datetime) -> None:
        """Record (or change) an invitee's answer."""
        ...

    def counts(self, event_ids: Sequence[int]) -> dict[int, Counts]:
        """How the invitees of each event answered."""
        ...

    def upcoming(self, now: datetime, member_id: int, *, every: bool,
                 limit: int) -> list[Listed]:
        """Events not over yet, soonest first: those the member is invited to, or ``every``
        one (for coordinators), with the member's answer."""
        ...

    def change(self, event_id: int, change: EventChange, reminders: Sequence[Reminder] | None,
               now: datetime) -> Event | None:
        """Change an event (its SEQUENCE goes up by one) and, when it moved, replan its
        reminders; None when it is gone or cancelled."""
        ...

    def cancel(self, event_id: int, now: datetime) -> Event | None:
        """Cancel a scheduled event and its reminders still to come; None when it was
        already cancelled or is gone."""
        ...

    def due_reminders(self, now: datetime, limit: int) -> list[DueReminder]:
        """Reminders whose moment has come and that were not settled, oldest first."""
        ...

    def settle_reminder(self, event_id: int, hours: int, outcome: ReminderOutcome,
                        now: datetime) -> bool:
        """Record what became of a reminder; False when it was already settled (by a sweep
        running at the same time): then it must not be sent again."""
        ...
