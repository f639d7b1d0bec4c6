"""A team's terms of reference: ``/newtask``, ``/edittask``, ``/deltask`` and ``/tasks``.

A task's due date is a calendar date as the team agreed it; it falls due at the end of that day
in the team's time zone (its leader's), stored in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from handlers.domain import (
    DeliverableStatus,
    Member,
    Task,
    TaskState,
    Team,
    TeamStatus,
    parse_number,
)
from handlers.messages import Button, Phrase
from handlers.teams import team_asked_about
from handlers.timezones import local_time, tzinfo_for, zone_label
from handlers.turn import Turn, button, phrase

NEW_TASK = "newtask"
EDIT_TASK = "edittask"
FIELDS = ("title", "output", "due", "responsible", "share")
LIMITS = {"title": 120, "output": 1000}  # characters (the title column holds 120)
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$|^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_due(text: str) -> date | None:
    """A date typed as 2026-12-15, 15/12/2026, 15.12.2026 or 15-12-2026."""
    match = _DATE.match(text.strip())
    if match is None:
        return None
    year, month, day = (match.group(1), match.group(2), match.group(3)) if match.group(1) \
        else (match.group(6), match.group(5), match.group(4))
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def team_zone(turn: Turn, team: Team) -> str:
    """The team's time zone: its leader's (the default zone when it has no leader)."""
    leader = turn.uow.members.get(team.leader_id) if team.leader_id else None
    return leader.timezone if leader else turn.deps.settings.default_timezone


def due_moment(day: date, zone: str) -> datetime:
    """The end of a day in a zone, in UTC."""
    return datetime.combine(day, time(23, 59, 59), tzinfo_for(zone)).astimezone(UTC)


def _managed_team(turn: Turn, name: str = "") -> Team | None:
    """The team whose tasks the sender may change, or None after saying why not."""
    if name:
        team = turn.uow.teams.by_name(name) if turn.sender.is_coordinator else None
        if team is None:
            turn.reply("team.not_found" if turn.sender.is_coordinator else "perm.task",
                       team=name)
        return team
    team = turn.uow.teams.of_member(turn.sender.id)
    if team is not None and (team.leader_id == turn.sender.id or turn.sender.is_coordinator):
        return team
    turn.reply("perm.task")
    return None


def _clean(step: str, text: str) -> str:
    """A typed title (spaces collapsed) or output (trimmed)."""
    return " ".join(text.split()) if step != "output" else text.strip()


def _fits(step: str, value: str) -> bool:
    """Whether a title or an output has an acceptable length."""
    return 2 <= len(value) <= LIMITS[step]


def new_task(turn: Turn, args: str) -> None:
    """``/newtask [TITLE]``: add a task, asking title, output, due date, who, funds share."""
    title = _clean("title", args)
    if turn.sender.is_coordinator and turn.uow.teams.of_member(turn.sender.id) is None:
        turn.ask(NEW_TASK, "team", "newtask.ask_team", data={"title": title})
        return
    team = _managed_team(turn)
    if team is not None:
        _next_step(turn, {"team": str(team.id), "title": title})


def answer_new_task(turn: Turn, step: str, text: str) -> None:
    """The answers to the guided ``/newtask``, one step at a time."""
    data = dict(turn.pending.data) if turn.pending else {}
    value = _clean(step, text)
    if step == "team":
        team = _managed_team(turn, value)
        if team is None:
            turn.ask(NEW_TASK, "team", "newtask.ask_team", data=data)
            return
        data["team"] = str(team.id)
    elif step in LIMITS:
        if not _fits(step, value):
            turn.ask(NEW_TASK, step, f"newtask.bad_{step}", data=data, limit=LIMITS[step])
            return
        data[step] = value
    elif step in TAKE and not TAKE[step](turn, NEW_TASK, data, value):
        return
    _next_step(turn, data)


def _team_of(turn: Turn, data: dict[str, str]) -> Team | None:
    team_id = parse_number(data.get("team", ""))
    return turn.uow.teams.get(team_id) if team_id is not None else None


def _take_due(turn: Turn, flow: str, data: dict[str, str], value: str) -> bool:
    team = _team_of(turn, data)
    day = parse_due(value)
    if team is None or day is None:
        turn.ask(flow, "due", "newtask.bad_due", data=data, value=value)
        return False
    today = local_time(team_zone(turn, team), turn.now).date()
    if day < today:
        turn.ask(flow, "due", "newtask.past_due", data=data, value=day.isoformat())
        return False
    data["due"] = day.isoformat()
    return True


def _take_responsible(turn: Turn, flow: str, data: dict[str, str], value: str) -> bool:
    team = _team_of(turn, data)
    members = turn.uow.teams.members(team.id) if team else []
    chosen, unknown = match_members(value, members)
    if unknown or not chosen:
        turn.ask(flow, "responsible", "newtask.bad_responsible", data=data,
                 names=", ".join(unknown) or value, buttons=_member_buttons(members))
        return False
    data["responsible"] = ",".join(str(m.id) for m in chosen)
    return True


def match_members(text: str, members: list[Member]) -> tuple[list[Member], list[str]]:
    """Members named in a comma-separated list (``#ID`` or a name, exact or a unique start)."""
    chosen: list[Member] = []
    unknown: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        number = parse_number(part) if part.startswith("#") else None
        found = [m for m in members if m.id == number] if number is not None else \
            [m for m in members if m.name.casefold() == part.casefold()] or \
            [m for m in members if m.name.casefold().startswith(part.casefold())]
        if len(found) == 1:
            if found[0] not in chosen:
                chosen.append(found[0])
        else:
            unknown.append(part)
    return chosen, unknown


def _take_share(turn: Turn, flow: str, data: dict[str, str], value: str) -> bool:
    if value.strip() in ("-", "0", ""):
        data["share"] = ""
        return True
    share = parse_number(value.strip().rstrip("%").strip())
    team = _team_of(turn, data)
    if share is None or not 1 <= share <= 100 or team is None:
        turn.ask(flow, "share", "newtask.bad_share", data=data, value=value,
                 buttons=[[button("share:-", "button.no_share")]])
        return False
    editing = parse_number(data.get("task", ""))
    taken = sum(t.funds_share or 0 for t in turn.uow.tasks.of_team(team.id) if t.id != editing)
    if taken + share > 100:
        turn.ask(flow, "share", "newtask.share_over", data=data, share=share,
                 left=100 - taken, buttons=[[button("share:-", "button.no_share")]])
        return False
    data["share"] = str(share)
    return True


TAKE = {"due": _take_due, "responsible": _take_responsible, "share": _take_share}


def _member_buttons(members: list[Member]) -> list[list[Button]]:
    return [[Button(data=f"member:{m.id}", label=m.name) for m in members[i:i + 3]]
            for i in range(0, min(len(members), 9), 3)]


def _next_step(turn: Turn, data: dict[str, str]) -> None:
    """Ask the first question not answered yet, or add the task when all are."""
    team = _team_of(turn, data)
    if team is None:
        turn.finish_flow()
        turn.reply("button.stale")
        return
    if not data.get("title"):
        turn.ask(NEW_TASK, "title", "newtask.ask_title", data=data, team=team.name)
    elif not _fits("title", data["title"]):  # given with the command: the same checks
        turn.ask(NEW_TASK, "title", "newtask.bad_title", data={**data, "title": ""},
                 limit=LIMITS["title"])
    elif "output" not in data:
        turn.ask(NEW_TASK, "output", "newtask.ask_output", data=data, title=data["title"])
    elif "due" not in data:
        turn.ask(NEW_TASK, "due", "newtask.ask_due", data=data,
                 zone=zone_label(team_zone(turn, team)))
    elif "responsible" not in data:
        members = turn.uow.teams.members(team.id)
        turn.ask(NEW_TASK, "responsible", "newtask.ask_responsible", data=data,
                 buttons=_member_buttons(members))
    elif "share" not in data:
        turn.ask(NEW_TASK, "share", "newtask.ask_share", data=data,
                 buttons=[[button("share:-", "button.no_share")]])
    else:
        _add(turn, team, data)


def _add(turn: Turn, team: Team, data: dict[str, str]) -> None:
    turn.finish_flow()
    day = date.fromisoformat(data["due"])
    responsible = [int(i) for i in data["responsible"].split(",")]
    share = int(data["share"]) if data["share"] else None
    task = turn.uow.tasks.add(team.id, data["title"], data["output"], day,
                              due_moment(day, team_zone(turn, team)), share, responsible,
                              turn.sender.id, turn.now)
    turn.reply_lines([phrase("task.added", code=task.code, team=team.name),
                      task_line(turn, task, {})])
    others = [m for m in responsible if m != turn.sender.id]
    turn.tell_all(others, "task.assigned_you", code=task.code, title=task.title,
                  due=task.due_date.isoformat(), by=turn.sender.name)


def press_task_button(turn: Turn, action: str, arg: str) -> None:
    """The buttons of the guided task steps: a member, 'no share', a field, a removal."""
    pending = turn.pending
    if action == "member" and pending and pending.step == "responsible":
        chosen = parse_number(arg)
        if chosen is not None:
            _answer(turn, pending.flow, "responsible", f"#{chosen}")
            return
    elif action == "share" and pending and pending.step == "share":
        _answer(turn, pending.flow, "share", "-")
        return
    elif action == "field" and pending and pending.flow == EDIT_TASK and arg in FIELDS:
        _ask_value(turn, dict(pending.data), arg)
        return
    elif action == "deltask":
        remove_task(turn, arg, confirmed=True)
        return
    turn.reply("button.stale")


def _answer(turn: Turn, flow: str, step: str, text: str) -> None:
    if flow == NEW_TASK:
        answer_new_task(turn, step, text)
    else:
        answer_edit_task(turn, step, text)


def _task(turn: Turn, text: str) -> tuple[Task, Team] | None:
    """The task a person names (``T7`` or ``7``) if they may change it; else says why."""
    number = parse_number(text.strip().upper().removeprefix("T"))
    task = turn.uow.tasks.get(number) if number is not None else None
    team = turn.uow.teams.get(task.team_id) if task is not None else None
    if task is None or team is None:
        turn.reply("task.not_found", code=text.strip() or "?")
        return None
    mine = turn.uow.teams.of_member(turn.sender.id)
    if not turn.sender.is_coordinator and not (mine and mine.id == team.id
                                               and team.leader_id == turn.sender.id):
        turn.reply("perm.task")
        return None
    return task, team


def edit_task(turn: Turn, args: str) -> None:
    """``/edittask T7 [FIELD VALUE]``: change a task's title, output, due date, people, share."""
    code, _, rest = args.strip().partition(" ")
    if not code:
        turn.reply("task.which", command="/edittask")
        return
    found = _task(turn, code)
    if found is None:
        return
    task, team = found
    data = {"task": str(task.id), "team": str(team.id)}
    field, _, value = rest.strip().partition(" ")
    if field not in FIELDS:
        turn.ask(EDIT_TASK, "field", "edittask.ask_field", data=data, code=task.code,
                 buttons=[[button(f"field:{f}", f"task_field.{f}") for f in FIELDS[:3]],
                          [button(f"field:{f}", f"task_field.{f}") for f in FIELDS[3:]]])
    elif not value.strip():
        _ask_value(turn, data, field)
    else:
        answer_edit_task(turn, field, value, data)


def _ask_value(turn: Turn, data: dict[str, str], field: str) -> None:
    team = _team_of(turn, data)
    members = turn.uow.teams.members(team.id) if team else []
    buttons = _member_buttons(members) if field == "responsible" else \
        [[button("share:-", "button.no_share")]] if field == "share" else []
    turn.ask(EDIT_TASK, field, f"edittask.ask_{field}", data=data, buttons=buttons)


def answer_edit_task(turn: Turn, step: str, text: str,
                     data: dict[str, str] | None = None) -> None:
    """The new value of the field being edited."""
    data = dict(data if data is not None else (turn.pending.data if turn.pending else {}))
    task_id = parse_number(data.get("task", ""))
    task = turn.uow.tasks.get(task_id) if task_id is not None else None
    if task is None or step not in FIELDS:
        turn.finish_flow()
        turn.reply("button.stale")
        return
    value = _clean(step, text)
    if step in LIMITS:
        if not _fits(step, value):
            turn.ask(EDIT_TASK, step, f"newtask.bad_{step}", data=data, limit=LIMITS[step])
            return
        if step == "title":
            turn.uow.tasks.change(task.id, title=value)
        else:
            turn.uow.tasks.change(task.id, output=value)
    else:
        if not TAKE[step](turn, EDIT_TASK, data, value):
            return  # asked again, within the edit
        _apply_change(turn, task, step, data)
    turn.finish_flow()
    changed = turn.uow.tasks.get(task.id) or task
    turn.reply_lines([phrase("task.changed", code=task.code), task_line(turn, changed, {})])


def _apply_change(turn: Turn, task: Task, step: str, data: dict[str, str]) -> None:
    if step == "due":
        team = turn.uow.teams.get(task.team_id)
        day = date.fromisoformat(data["due"])
        zone = team_zone(turn, team) if team else turn.deps.settings.default_timezone
        turn.uow.tasks.change(task.id, due=(day, due_moment(day, zone)))
    elif step == "responsible":
        turn.uow.tasks.change(task.id, responsible=[int(i) for i in
                                                    data["responsible"].split(",")])
    elif data["share"]:
        turn.uow.tasks.change(task.id, funds_share=int(data["share"]))
    else:
        turn.uow.tasks.change(task.id, clear_share=True)


def remove_task(turn: Turn, args: str, confirmed: bool = False) -> None:
    """``/deltask T7``: remove a task, after confirming."""
    if not args.strip():
        turn.reply("task.which", command="/deltask")
        return
    found = _task(turn, args)
    if found is None:
        return
    task, team = found
    deliverable = turn.uow.deliverables.for_task(task.id)
    if not confirmed:
        lines = [phrase("deltask.confirm", code=task.code, title=task.title)]
        versions = turn.uow.deliverables.versions(deliverable.id) if deliverable else []
        if deliverable is not None and versions:
            lines.append(phrase("deltask.has_deliverable", code=deliverable.code,
                                version=versions[-1].number,
                                status=phrase(f"deliverable_status.{deliverable.status.value}")))
        turn.reply_lines(lines, buttons=[[button(f"deltask:{task.id}", "button.remove"),
                                          button("cancel", "button.cancel")]])
        return
    reviewers = turn.uow.reviews.reviewers_of(deliverable.id) \
        if deliverable is not None and deliverable.status != DeliverableStatus.APPROVED else []
    turn.uow.tasks.remove(task.id)  # its deliverable, versions, rounds and comments go too
    turn.reply("task.removed", code=task.code, title=task.title)
    if deliverable is not None:
        turn.tell_all([r for r in reviewers if r != turn.sender.id], "review.task_removed",
                      code=deliverable.code, task=task.code, title=task.title, team=team.name)


def list_tasks(turn: Turn, args: str) -> None:
    """``/tasks [TEAM]``: a team's tasks with who is responsible and days left or late."""
    team = team_asked_about(turn, args)
    if team is None:
        return
    tasks = turn.uow.tasks.of_team(team.id)
    if not tasks:
        key = "tasks.none_leader" if team.leader_id == turn.sender.id \
            or turn.sender.is_coordinator else "tasks.none"
        turn.reply(key, team=team.name)
        return
    names = {m.id: m.name for m in turn.uow.teams.members(team.id)}
    states = {s.task_id: s for s in turn.uow.deliverables.states(team.id)}
    lines = [phrase("tasks.header", team=team.name, count=len(tasks))]
    lines += [task_line(turn, task, names, states.get(task.id)) for task in tasks]
    if team.status != TeamStatus.APPROVED:
        lines.append(phrase("tasks.team_pending"))
    turn.reply_lines(lines)


def task_line(turn: Turn, task: Task, names: dict[int, str],
              state: TaskState | None = None) -> Phrase:
    """One task: code, title, due date with days left or late, who, funds share, and where
    its deliverable's review stands (when ``state`` is given and something was handed in)."""
    if not names:
        names = {m.id: m.name for m in turn.uow.teams.members(task.team_id)}
    people = ", ".join(names.get(m, f"#{m}") for m in task.responsible) or "—"
    share = phrase("tasks.share", share=task.funds_share) if task.funds_share else ""
    review: Phrase | str = ""
    if state is not None and state.deliverable_id is not None and state.status is not None:
        review = phrase("tasks.review", code=f"D{state.deliverable_id}",
                        version=state.version or 0,
                        status=phrase(f"deliverable_status.{state.status.value}"))
    return phrase("tasks.line", code=task.code, title=task.title, due=task.due_date.isoformat(),
                  when=_when(turn, task), people=people, share=share, review=review)


def _when(turn: Turn, task: Task) -> Phrase:
    if task.done:
        return phrase("tasks.done")
    team = turn.uow.teams.get(task.team_id)
    zone = team_zone(turn, team) if team else turn.deps.settings.default_timezone
    days = (task.due_date - local_time(zone, turn.now).date()).days
    if days > 0:
        return phrase("tasks.days_left", days=days)
    if days == 0:
        return phrase("tasks.due_today")
    return phrase("tasks.days_late", days=-days)
