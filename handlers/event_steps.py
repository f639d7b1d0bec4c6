"""The questions ``/event`` asks (title, start, duration, link, agenda, presenting teams), each
with its buttons, and the checks on what is typed: shared by creating and changing an event.

A flow's answers so far travel in the pending step's data: ``title``, ``start`` (ISO UTC),
``zone``, ``duration`` (minutes), ``link``, ``agenda``, ``teams`` (team ids), ``audience``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers.domain import PendingStep
from handlers.event_input import (
    AGENDA_LIMIT,
    TITLE_LIMIT,
    StartProblem,
    clean_agenda,
    clean_title,
    duration_text,
    parse_duration,
    parse_link,
    parse_start,
)
from handlers.messages import Button, Param, Phrase
from handlers.timezones import zone_label
from handlers.turn import Buttons, Turn, button

# The guided command that creates (or changes) an event.
EVENT = "event"
DURATIONS = (30, 60, 90, 120)
_START_REPLIES = {
    StartProblem.FORMAT: "event.bad_start",
    StartProblem.ZONE: "event.bad_zone",
    StartProblem.GAP: "event.no_such_time",
    StartProblem.PAST: "event.past_start",
    StartProblem.FAR: "event.far_start",
}


def step_buttons(step: str) -> Buttons:
    """The buttons offered with a step's question."""
    if step == "duration":
        return [[Button(data=f"ev:dur:{m}", label=duration_text(m)) for m in DURATIONS]]
    if step == "agenda":
        return [[button("ev:skip:agenda", "event.button.no_agenda")]]
    if step == "teams":
        return [[button("ev:skip:teams", "event.button.no_teams")]]
    return []


def ask_step(turn: Turn, step: str, data: dict[str, str], key: str | None = None,
             **params: Param) -> None:
    """Ask a step's question (or, with ``key``, say what was wrong and ask it again)."""
    if key is None:
        key = f"event.ask_{step}"
        if step == "start":
            params = {**params, "zone": zone_label(turn.sender.timezone)}
        elif step in ("title", "agenda"):
            params = {**params, "limit": TITLE_LIMIT if step == "title" else AGENDA_LIMIT}
    turn.ask(EVENT, step, key, data=data, buttons=step_buttons(step), **params)


def take_answer(turn: Turn, step: str, text: str, data: dict[str, str]) -> bool:
    """Check one typed answer and keep it in ``data``; when it is not usable, say why, ask
    again and return False."""
    value = text.strip()
    if step == "title":
        title = clean_title(value)
        if title is None:
            ask_step(turn, step, data, "event.bad_title", limit=TITLE_LIMIT)
            return False
        data["title"] = title
    elif step == "start":
        return _take_start(turn, value, data)
    elif step == "duration":
        minutes = parse_duration(value)
        if minutes is None:
            ask_step(turn, step, data, "event.bad_duration", value=value)
            return False
        data["duration"] = str(minutes)
    elif step == "link":
        link = parse_link(value)
        if link is None:
            ask_step(turn, step, data, "event.bad_link", value=value[:80])
            return False
        data["link"] = link
    elif step == "agenda":
        agenda = clean_agenda(value)
        if agenda is None:
            ask_step(turn, step, data, "event.bad_agenda", limit=AGENDA_LIMIT)
            return False
        data["agenda"] = "" if agenda == "-" else agenda
    elif step == "teams":
        return _take_teams(turn, value, data)
    return True


def _take_start(turn: Turn, value: str, data: dict[str, str]) -> bool:
    start = parse_start(value, turn.deps.zones, turn.sender.timezone, turn.now)
    if isinstance(start, StartProblem):
        parts = value.split()
        ask_step(turn, "start", data, _START_REPLIES[start], value=value[:80],
                 time=" ".join(parts[:2])[:40],
                 zone=" ".join(parts[2:])[:40] or zone_label(turn.sender.timezone))
        return False
    data["start"] = start.at.isoformat()
    data["zone"] = start.zone
    return True


def _take_teams(turn: Turn, value: str, data: dict[str, str]) -> bool:
    if value == "-":
        data["teams"] = ""
        return True
    chosen: list[int] = []
    unknown: list[str] = []
    for name in (part.strip() for part in value.split(",")):
        if not name:
            continue
        team = turn.uow.teams.by_name(name)
        if team is None:
            unknown.append(name)
        elif team.id not in chosen:
            chosen.append(team.id)
    if unknown or not chosen:
        ask_step(turn, "teams", data, "event.bad_teams", names=", ".join(unknown) or value)
        return False
    data["teams"] = ",".join(str(t) for t in chosen)
    return True


def start_of(data: dict[str, str]) -> datetime:
    """The start kept in a flow's data."""
    return datetime.fromisoformat(data["start"])


def ask_lines(turn: Turn, step: str, data: dict[str, str], lines: Sequence[Phrase],
              buttons: Buttons = ()) -> None:
    """Ask a question made of several lines (a preview) and remember the step."""
    turn.pending = PendingStep(EVENT, step, dict(data))
    turn.uow.conversations.set(turn.sender.id, turn.pending, turn.now)
    turn.reply_lines(lines, buttons=buttons)
