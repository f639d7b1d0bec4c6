"""The follow-up rules' settings: when each nag is due, whom it escalates to, and the hours
at which people may be nagged (read from ``[followups]`` in config.toml)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FollowupRules:
    """Cadences of the follow-up rules (days and hours count from when the cause began)."""

    # Nags reach people only between these local hours, on these weekdays (0 = Monday).
    window_start_hour: int = 9
    window_end_hour: int = 18
    weekdays: frozenset[int] = frozenset(range(5))
    # A task's responsible members are reminded this many days before it is due…
    due_soon_days: tuple[int, ...] = (7, 3, 1)
    # …and daily once it is overdue; its leader too after this many days, coordinators after
    # that many.
    overdue_leader_days: int = 3
    overdue_coordinators_days: int = 7
    # A review waiting this many days nags its reviewer; coordinators too after that many.
    review_sla_days: int = 5
    review_coordinators_days: int = 10
    # A team that has not answered "changes requested" for this many days is nagged; its
    # leader too after that many.
    changes_team_days: int = 7
    changes_leader_days: int = 14
    # A help request no coordinator answered in this many hours goes to every coordinator
    # again; after that many it is marked urgent.
    help_sla_hours: int = 48
    help_urgent_hours: int = 96
    # A team that uploaded nothing and said nothing for this many days: its leader and the
    # coordinators are told.
    inactive_days: int = 21
