"""The port the broadcasts talk through: broadcasts, who still waits for one, and what became
of their messages.

Implemented in ``storage/broadcasts.py`` (SQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple, Protocol

from handlers.domain import Language
from handlers.messages import Attachment

if TYPE_CHECKING:  # handlers.audience needs the turn, whose ports include these
    from handlers.audience import Recipient


class When(StrEnum):
    """When a broadcast goes: at once, at one instant, or at a wall time in each zone."""

    NOW = "now"
    AT = "at"
    LOCAL = "local"


class Status(StrEnum):
    """Where a broadcast is."""

    SCHEDULED = "scheduled"  # nobody has it yet
    SENDING = "sending"  # released to some or all; not every message settled
    DONE = "done"  # every message delivered or failed; the final report went out
    CANCELLED = "cancelled"  # cancelled before anyone got it


class NewBroadcast(NamedTuple):
    """What a coordinator confirmed."""

    sender_id: int
    sender_name: str
    draft: str  # the draft's token: a draft is sent once, however often Confirm is pressed
    audience: str  # ``Audience.to_json()``
    text: str
    language: Language
    attachments: tuple[Attachment, ...]
    when: When
    send_at: datetime | None  # AT: the instant; LOCAL: the first zone's moment
    local_time: str | None  # LOCAL: the wall time, ``2026-12-01 09:00``
    recipients: int


class Broadcast(NamedTuple):
    """A stored broadcast."""

    id: int
    sender_id: int | None
    sender_name: str
    audience: str
    text: str
    language: Language
    attachments: tuple[Attachment, ...]
    when: When
    send_at: datetime | None
    local_time: str | None
    status: Status
    recipients: int
    reported_percent: int
    created_at: datetime


class Figures(NamedTuple):
    """What became of a broadcast's messages so far."""

    delivered: int = 0
    failed: int = 0
    pending: int = 0  # queued (or being translated), not yet sent
    waiting: int = 0  # scheduled, not yet released

    @property
    def settled(self) -> int:
        """Messages whose fate is known."""
        return self.delivered + self.failed

    @property
    def open(self) -> int:
        """Messages still to go (queued or scheduled)."""
        return self.pending + self.waiting


class Broadcasts(Protocol):
    """Broadcasts to many members, their schedules and what became of their messages."""

    def create(self, new: NewBroadcast, status: Status, now: datetime) -> int | None:
        """Store a confirmed broadcast; None when this draft was stored already."""
        ...

    def schedule(self, broadcast_id: int, due: Iterable[tuple[int, datetime]]) -> None:
        """Hold each (member, moment) until the sweep releases it."""
        ...

    def take_due(self, now: datetime) -> list[tuple[int, Recipient]]:
        """The (broadcast, reader) pairs due by now, taken off the schedule."""
        ...

    def get(self, broadcast_id: int) -> Broadcast | None:
        """One broadcast."""
        ...

    def many(self, broadcast_ids: Iterable[int]) -> dict[int, Broadcast]:
        """Several broadcasts by id."""
        ...

    def recent(self, limit: int) -> list[Broadcast]:
        """The newest broadcasts, newest first."""
        ...

    def running(self) -> list[Broadcast]:
        """The broadcasts whose messages are not all settled (status SENDING)."""
        ...

    def figures(self, broadcast_ids: Sequence[int]) -> dict[int, Figures]:
        """What became of the messages of each of these broadcasts."""
        ...

    def start(self, broadcast_id: int, now: datetime) -> None:
        """A scheduled broadcast's first messages were released."""
        ...

    def report(self, broadcast_id: int, percent: int) -> None:
        """Remember the share of delivery last reported to the sender."""
        ...

    def finish(self, broadcast_id: int, now: datetime) -> bool:
        """Every message settled; False when it had finished already."""
        ...

    def cancel(self, broadcast_id: int, now: datetime) -> int:
        """Drop the scheduled messages not yet released; how many were dropped (a broadcast
        nobody got is marked cancelled)."""
        ...
