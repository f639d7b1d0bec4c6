"""The follow-up rules: from what is due now, each nag and whom it goes to.

Every rule reads only what is due (an index range, see ``Followups``) and climbs an escalation
ladder with the age of its cause. Whether a nag is actually sent now (the recipient's working
hours, once a day, snoozes) is decided by :mod:`handlers.followups`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

from handlers.followup_rules import FollowupRules
from handlers.help_desk import HELP_REQUEST
from handlers.messages import Context, Param, Phrase, UserText
from handlers.ports import UnitOfWork
from handlers.turn import phrase

DAY = timedelta(days=1)
# The rules, as stored in the nag record and carried by buttons.
DUE, OVERDUE, REVIEW, CHANGES, HELP, INACTIVE = (
    "due", "overdue", "review", "changes", "help", "inactive")
RULES = (DUE, OVERDUE, REVIEW, CHANGES, HELP, INACTIVE)
# Rules that nag once per stage (a due-soon threshold, an inactivity period) rather than daily.
ONCE_PER_STAGE = frozenset({DUE, INACTIVE})
# The longest excerpt of a help request quoted in a nag.
EXCERPT = 300


class Nag(NamedTuple):
    """One reminder for one member about one item."""

    rule: str
    item_id: int
    member_id: int
    stage: int
    team_id: int | None
    message: Phrase  # what a nag alone says
    line: Phrase  # its line in a digest or in /nags
    context: Context | None = None  # a reply to the nag continues this


def _each(members: Iterable[int], rule: str, item: int, stage: int, team: int | None,
          message: Phrase, line: Phrase, context: Context | None = None) -> list[Nag]:
    return [Nag(rule, item, m, stage, team, message, line, context) for m in dict.fromkeys(members)]


_EPOCH = date(2000, 1, 1)


def _day_number(day: date) -> int:
    """Days since 2000-01-01: a stage that names a date fits in a database integer."""
    return (day - _EPOCH).days


def _threshold(days_left: int, thresholds: Sequence[int]) -> int | None:
    """The smallest due-soon threshold that ``days_left`` has reached, if any."""
    reached = [t for t in thresholds if days_left <= t]
    return min(reached) if reached else None


def task_nags(uow: UnitOfWork, rules: FollowupRules, now: datetime,
              coordinators: Sequence[int]) -> list[Nag]:
    """Tasks due soon (each threshold once) and overdue ones (daily, climbing to the leaders
    and then the coordinators)."""
    horizon = max(rules.due_soon_days, default=0) + 1
    nags: list[Nag] = []
    for task in uow.followups.due_tasks(now + horizon * DAY, now):
        owners = task.responsible or task.leaders
        params: dict[str, Param] = {"task": f"T{task.task_id}", "title": task.title,
                                    "team": task.team, "date": task.due_date.isoformat()}
        if task.due_at > now:
            days = (task.due_at - now).days
            threshold = _threshold(days, rules.due_soon_days)
            if threshold is None:
                continue
            # The stage names the due date too: a task given a new date is reminded again.
            stage = _day_number(task.due_date) * 100 + threshold
            key = "nag.due_today" if days == 0 else "nag.due"
            nags += _each(owners, DUE, task.task_id, stage, task.team_id,
                          phrase(key, days=days, **params),
                          phrase("nag.line.due", days=days, **params))
            continue
        late = (now - task.due_at).days + 1
        line = phrase("nag.line.overdue", days=late, **params)
        nags += _each(owners, OVERDUE, task.task_id, 1, task.team_id,
                      phrase("nag.overdue", days=late, **params), line)
        if late >= rules.overdue_leader_days:
            nags += _each([m for m in task.leaders if m not in owners], OVERDUE, task.task_id,
                          2, task.team_id, phrase("nag.overdue_leader", days=late, **params),
                          line)
        if late >= rules.overdue_coordinators_days:
            nags += _each(coordinators, OVERDUE, task.task_id, 3, task.team_id,
                          phrase("nag.overdue_staff", days=late, **params), line)
    return nags


def review_nags(uow: UnitOfWork, rules: FollowupRules, now: datetime,
                coordinators: Sequence[int]) -> list[Nag]:
    """Reviews waiting past the review SLA: the reviewer daily, later the coordinators."""
    nags: list[Nag] = []
    for item in uow.followups.waiting_reviews(now - rules.review_sla_days * DAY, now):
        days = (now - item.opened_at).days
        params: dict[str, Param] = {"code": f"D{item.deliverable_id}", "version": item.version,
                                    "team": item.team, "task": f"T{item.task_id}",
                                    "title": item.title, "days": days}
        line = phrase("nag.line.review", **params)
        nags += _each([item.reviewer_id], REVIEW, item.round_id, 1, item.team_id,
                      phrase("nag.review", **params), line)
        if days >= rules.review_coordinators_days:
            nags += _each([c for c in coordinators if c != item.reviewer_id], REVIEW,
                          item.round_id, 2, item.team_id, phrase("nag.review_staff", **params),
                          line)
    return nags


def changes_nags(uow: UnitOfWork, rules: FollowupRules, now: datetime) -> list[Nag]:
    """Changes requested and not sent: the team daily, later its leaders."""
    nags: list[Nag] = []
    for item in uow.followups.waiting_changes(now - rules.changes_team_days * DAY, now):
        days = (now - item.since).days
        owners = item.responsible or item.leaders
        params: dict[str, Param] = {"code": f"D{item.deliverable_id}", "team": item.team,
                  "task": f"T{item.task_id}", "title": item.title, "days": days}
        line = phrase("nag.line.changes", **params)
        nags += _each(owners, CHANGES, item.deliverable_id, 1, item.team_id,
                      phrase("nag.changes", **params), line)
        if days >= rules.changes_leader_days:
            nags += _each([m for m in item.leaders if m not in owners], CHANGES,
                          item.deliverable_id, 2, item.team_id,
                          phrase("nag.changes_leader", **params), line)
    return nags


def help_nags(uow: UnitOfWork, rules: FollowupRules, now: datetime,
              coordinators: Sequence[int]) -> tuple[list[Nag], list[int]]:
    """Unanswered help requests to every coordinator again, daily; and the requests that
    have waited long enough to be marked urgent."""
    nags: list[Nag] = []
    urgent: list[int] = []
    limit = timedelta(hours=rules.help_urgent_hours)
    for item in uow.followups.unanswered_requests(now - timedelta(hours=rules.help_sla_hours)):
        is_urgent = item.urgent or now - item.created_at >= limit
        if is_urgent and not item.urgent:
            urgent.append(item.request_id)
        hours = int((now - item.created_at).total_seconds() // 3600)
        params: dict[str, Param] = {"number": item.request_id, "name": item.asker,
                  "team": item.team or phrase("ask.no_team"), "hours": hours}
        question = UserText(item.text[:EXCERPT], item.language)
        key = "nag.help_urgent" if is_urgent else "nag.help"
        nags += _each([c for c in coordinators if c != item.asker_id], HELP, item.request_id,
                      2 if is_urgent else 1, None, phrase(key, question=question, **params),
                      phrase("nag.line.help", **params), Context(HELP_REQUEST, item.request_id))
    return nags, urgent


def inactive_nags(uow: UnitOfWork, rules: FollowupRules, now: datetime,
                  coordinators: Sequence[int]) -> list[Nag]:
    """Teams quiet for a whole period: their leaders and the coordinators, once a period."""
    nags: list[Nag] = []
    for team in uow.followups.quiet_teams(now - rules.inactive_days * DAY, now):
        days = (now - team.last_activity_at).days
        # The stage names the quiet spell too: a team quiet again later is told again.
        stage = (_day_number(team.last_activity_at.date()) * 10_000
                 + days // rules.inactive_days)
        params: dict[str, Param] = {"team": team.team, "days": days}
        line = phrase("nag.line.inactive", **params)
        nags += _each(team.leaders, INACTIVE, team.team_id, stage, team.team_id,
                      phrase("nag.inactive", **params), line)
        nags += _each([c for c in coordinators if c not in team.leaders], INACTIVE,
                      team.team_id, stage, team.team_id, phrase("nag.inactive_staff", **params),
                      line)
    return nags
