"""Where work stands: ``/status`` for a team, ``/queue`` for a reviewer, ``/overview`` for the
coordinators, and the rows of ``peerdesk export``."""

from __future__ import annotations

from datetime import date, datetime

from handlers.domain import DeliverableStatus, TaskState
from handlers.help_desk import age
from handlers.messages import Phrase
from handlers.teams import team_asked_about
from handlers.timezones import local_time
from handlers.turn import Turn, phrase

OVERVIEW_LINES = 60


def days_left(state: TaskState, now: datetime, default_zone: str,
              today: dict[str, date] | None = None) -> int | None:
    """Days until the due date in the team's zone (negative when late); None when done.

    ``today`` caches each zone's current date across many tasks.
    """
    if state.done or state.status == DeliverableStatus.APPROVED:
        return None
    zone = state.zone or default_zone
    cache = today if today is not None else {}
    local = cache.get(zone)
    if local is None:
        local = cache[zone] = local_time(zone, now).date()
    return (state.due_date - local).days


def waiting_on(state: TaskState) -> str:
    """Who has to act next: ``team``, ``reviewer``, ``coordinators`` or ``nobody``."""
    if state.done or state.status == DeliverableStatus.APPROVED:
        return "nobody"
    if state.status in (None, DeliverableStatus.CHANGES_REQUESTED):
        return "team"
    if state.status == DeliverableStatus.SUBMITTED or not state.reviewers:
        return "coordinators"
    return "reviewer"


def _when(days: int | None) -> Phrase:
    if days is None:
        return phrase("tasks.done")
    if days > 0:
        return phrase("tasks.days_left", days=days)
    if days == 0:
        return phrase("tasks.due_today")
    return phrase("tasks.days_late", days=-days)


def _line(key: str, state: TaskState, now: datetime, zone: str) -> Phrase:
    if state.deliverable_id is None or state.status is None:
        where = phrase("status.nothing")
    else:
        where = phrase("status.version", code=f"D{state.deliverable_id}",
                       version=state.version or 0, round=state.round or 0,
                       status=phrase(f"deliverable_status.{state.status.value}"))
    who = waiting_on(state)
    waiting = phrase(f"waiting.{who}", names=", ".join(state.reviewers))
    return phrase(key, team=state.team, task=f"T{state.task_id}", title=state.title,
                  where=where, waiting=waiting, when=_when(days_left(state, now, zone)))


def team_status(turn: Turn, args: str) -> None:
    """``/status [TEAM]``: each task's latest version, round, reviewer, whose turn, lateness."""
    team = team_asked_about(turn, args)
    if team is None:
        return
    states = turn.uow.deliverables.states(team.id)
    if not states:
        turn.reply("tasks.none_leader" if team.leader_id == turn.sender.id else "tasks.none",
                   team=team.name)
        return
    zone = turn.deps.settings.default_timezone
    turn.reply_lines([phrase("status.header", team=team.name)]
                     + [_line("status.line", s, turn.now, zone) for s in states])


def review_queue(turn: Turn, args: str) -> None:
    """``/queue``: the versions waiting for my decision, oldest first, with their age."""
    items = turn.uow.reviews.queue(turn.sender.id)
    if not items:
        turn.reply("queue.empty")
        return
    turn.reply_lines([phrase("queue.header", count=len(items))] + [
        phrase("queue.line", code=f"D{i.deliverable_id}", version=i.version, round=i.round,
               team=i.team, task=f"T{i.task_id}", title=i.title, age=age(i.opened_at, turn.now))
        for i in items])


def overview(turn: Turn, args: str) -> None:
    """``/overview [team]``: every team's tasks, most late first (or by team)."""
    if not turn.sender.is_coordinator:
        turn.reply("perm.coordinator")
        return
    zone = turn.deps.settings.default_timezone
    states = turn.uow.deliverables.states()
    if not states:
        turn.reply("teams.empty")
        return
    if args.strip().lower() not in ("team", "teams", "equipe", "equipo", "équipe"):
        far = 10 ** 6
        today: dict[str, date] = {}

        def lateness(s: TaskState) -> tuple[int, str]:
            left = days_left(s, turn.now, zone, today)
            return (far if left is None else left, s.team)

        states = sorted(states, key=lateness)
    lines = [phrase("overview.header", count=len(states))]
    lines += [_line("overview.line", s, turn.now, zone) for s in states[:OVERVIEW_LINES]]
    if len(states) > OVERVIEW_LINES:
        lines.append(phrase("overview.more", count=len(states) - OVERVIEW_LINES))
    unreachable = turn.uow.outbox.unreachable_members()
    if unreachable:
        lines.append(phrase("overview.unreachable", count=unreachable))
    turn.reply_lines(lines)


EXPORT_COLUMNS = ("team", "region", "task", "title", "due_date", "deliverable", "version",
                  "round", "status", "reviewers", "waiting_on", "days_left")


def export_rows(states: list[TaskState], now: datetime, default_zone: str) -> list[list[str]]:
    """The overview as plain rows (for CSV), one per team and task."""
    rows = []
    today: dict[str, date] = {}
    for s in states:
        left = days_left(s, now, default_zone, today)
        rows.append([s.team, s.region.value, f"T{s.task_id}", s.title, s.due_date.isoformat(),
                     f"D{s.deliverable_id}" if s.deliverable_id else "",
                     str(s.version or ""), str(s.round or ""),
                     "done" if s.done else (s.status.value if s.status else "not_submitted"),
                     "; ".join(s.reviewers), waiting_on(s), "" if left is None else str(left)])
    return rows
