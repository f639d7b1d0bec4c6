"""The scheduler's, follow-ups', events' and broadcasts' settings from ``config.toml``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.scheduler import SchedulerSettings
from bot.settings_table import Section, section
from handlers.followup_rules import FollowupRules

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    """Everything about what happens with time."""

    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    followups: FollowupRules = field(default_factory=FollowupRules)
    event_reminder_hours: tuple[int, ...] = (24, 1)
    broadcast_progress_percent: int = 25


def _whole(table: Section, key: str, default: int, low: int, high: int, unit: str) -> int:
    value = table.get(key, int, default)
    if not low <= value <= high:
        raise table.fail(key, value, f"a whole number of {unit} from {low} to {high}")
    return value


def _numbers(table: Section, key: str, default: tuple[int, ...], low: int, high: int,
             unit: str) -> tuple[int, ...]:
    value = table.table.get(key, list(default))
    if (not isinstance(value, list) or not value
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            or not all(low <= v <= high for v in value) or len(set(value)) != len(value)):
        raise table.fail(key, value, f"a list of different whole numbers of {unit}, "
                                     f"{low} to {high}")
    return tuple(sorted(value, reverse=True))


def _scheduler(table: Section) -> SchedulerSettings:
    every = _whole(table, "sweep_seconds", 60, 5, 3600, "seconds")
    grace = _whole(table, "misfire_grace_seconds", 3600, every, 7 * 86400, "seconds")
    lease = _whole(table, "lock_seconds", max(180, 3 * every), 3 * every, 86400, "seconds")
    return SchedulerSettings(sweep_seconds=every, misfire_grace_seconds=grace,
                             lock_seconds=lease)


def _followups(table: Section) -> FollowupRules:
    start = _whole(table, "window_start_hour", 9, 0, 23, "hours")
    end = _whole(table, "window_end_hour", 18, 1, 24, "hours")
    if end <= start:
        raise table.fail("window_end_hour", end, f"an hour after window_start_hour ({start})")
    days = table.strings("weekdays", WEEKDAYS[:5])
    wrong = [d for d in days if d.lower() not in WEEKDAYS]
    if wrong or not days:
        raise table.fail("weekdays", wrong[0] if wrong else [],
                         "days among mon, tue, wed, thu, fri, sat, sun")
    leader = _whole(table, "overdue_leader_days", 3, 1, 365, "days")
    review = _whole(table, "review_sla_days", 5, 1, 365, "days")
    team = _whole(table, "changes_team_days", 7, 1, 365, "days")
    sla = _whole(table, "help_sla_hours", 48, 1, 24 * 60, "hours")
    return FollowupRules(
        window_start_hour=start, window_end_hour=end,
        weekdays=frozenset(WEEKDAYS.index(d.lower()) for d in days),
        due_soon_days=_numbers(table, "due_soon_days", (7, 3, 1), 1, 90, "days"),
        overdue_leader_days=leader,
        overdue_coordinators_days=_whole(table, "overdue_coordinators_days", 7, leader, 365,
                                         "days"),
        review_sla_days=review,
        review_coordinators_days=_whole(table, "review_coordinators_days", 10, review, 365,
                                        "days"),
        changes_team_days=team,
        changes_leader_days=_whole(table, "changes_leader_days", 14, team, 365, "days"),
        help_sla_hours=sla,
        help_urgent_hours=_whole(table, "help_urgent_hours", 96, sla, 24 * 60, "hours"),
        inactive_days=_whole(table, "inactive_days", 21, 1, 365, "days"))


def read_schedule(data: Mapping[str, Any]) -> ScheduleSettings:
    """The ``[scheduler]``, ``[followups]``, ``[events]`` and ``[broadcasts]`` tables."""
    scheduler = _scheduler(section(data, "scheduler", {
        "sweep_seconds", "misfire_grace_seconds", "lock_seconds"}))
    followups = _followups(section(data, "followups", {
        "window_start_hour", "window_end_hour", "weekdays", "due_soon_days",
        "overdue_leader_days", "overdue_coordinators_days", "review_sla_days",
        "review_coordinators_days", "changes_team_days", "changes_leader_days",
        "help_sla_hours", "help_urgent_hours", "inactive_days"}))
    events = section(data, "events", {"reminder_hours"})
    broadcasts = section(data, "broadcasts", {"progress_percent"})
    return ScheduleSettings(
        scheduler=scheduler, followups=followups,
        event_reminder_hours=_numbers(events, "reminder_hours", (24, 1), 1, 24 * 14, "hours"),
        broadcast_progress_percent=_whole(broadcasts, "progress_percent", 25, 1, 100,
                                          "percent"))
