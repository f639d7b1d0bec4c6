"""The port the follow-ups talk through: what is due, what was nagged, snoozes and pauses.

Implemented in ``storage/followups.py`` (SQL). Every query of what is due reads an index range,
so its cost grows with the number of items due, not with the number of items.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import NamedTuple, Protocol

from handlers.domain import Language


class DueTask(NamedTuple):
    """An open task of an approved, unpaused team for which nothing was handed in yet."""

    task_id: int
    team_id: int
    team: str
    title: str
    due_date: date
    due_at: datetime
    responsible: tuple[int, ...]
    leaders: tuple[int, ...]  # the team's leader and co-leader


class WaitingReview(NamedTuple):
    """An open review round (no decision yet) on a deliverable not approved."""

    round_id: int
    deliverable_id: int
    version: int
    team_id: int
    team: str
    task_id: int
    title: str
    reviewer_id: int
    opened_at: datetime


class WaitingChanges(NamedTuple):
    """A deliverable whose reviewers asked for changes the team has not sent yet."""

    deliverable_id: int
    team_id: int
    team: str
    task_id: int
    title: str
    since: datetime
    responsible: tuple[int, ...]
    leaders: tuple[int, ...]


class UnansweredRequest(NamedTuple):
    """An open help request nobody but its asker has written on."""

    request_id: int
    asker_id: int
    asker: str
    team: str | None
    created_at: datetime
    urgent: bool
    text: str
    language: Language


class QuietTeam(NamedTuple):
    """An approved, unpaused team that has uploaded and said nothing for a while."""

    team_id: int
    team: str
    last_activity_at: datetime
    leaders: tuple[int, ...]


class NagRecord(NamedTuple):
    """What one member last got about one item under one rule."""

    stage: int
    sent_on: str | None  # the member's local date, YYYY-MM-DD
    snoozed_until: datetime | None


class SentNag(NamedTuple):
    """A nag just queued, to be recorded."""

    rule: str
    item_id: int
    member_id: int
    stage: int
    sent_on: str


class PausedTeam(NamedTuple):
    """A team whose nags a coordinator paused."""

    team_id: int
    team: str
    until: datetime


class Followups(Protocol):
    """What the follow-up rules look at, and the record of the nags sent."""

    def due_tasks(self, until: datetime, now: datetime) -> list[DueTask]:
        """Open tasks with nothing handed in, due before ``until`` (overdue ones included)."""
        ...

    def waiting_reviews(self, before: datetime, now: datetime) -> list[WaitingReview]:
        """Open review rounds opened before ``before``."""
        ...

    def waiting_changes(self, before: datetime, now: datetime) -> list[WaitingChanges]:
        """Deliverables with changes requested before ``before`` and no new version since."""
        ...

    def unanswered_requests(self, before: datetime) -> list[UnansweredRequest]:
        """Open help requests asked before ``before`` that nobody has answered."""
        ...

    def quiet_teams(self, before: datetime, now: datetime) -> list[QuietTeam]:
        """Approved teams whose last activity was before ``before``."""
        ...

    def records(self, rule: str, item_ids: Iterable[int]) -> dict[tuple[int, int], NagRecord]:
        """What was sent and snoozed under a rule for these items, by (item, member)."""
        ...

    def record_sent(self, sent: Sequence[SentNag], now: datetime) -> None:
        """Remember the nags just queued (a snooze that ended is forgotten)."""
        ...

    def snooze(self, keys: Sequence[tuple[str, int]], member_id: int,
               until: datetime) -> None:
        """Hold back a member's nags about these (rule, item) pairs until then."""
        ...

    def mark_urgent(self, request_ids: Sequence[int]) -> None:
        """Mark help requests urgent."""
        ...

    def pause(self, team_id: int, until: datetime | None) -> None:
        """Pause a team's nags until then (None: resume them)."""
        ...

    def paused_teams(self, now: datetime) -> list[PausedTeam]:
        """Teams whose nags are paused now."""
        ...

    def timezones(self, member_ids: Iterable[int]) -> dict[int, str]:
        """Each member's time zone."""
        ...
