"""Creating an event: ``/event [TITLE]`` asks title, start, duration, link, agenda, presenting
teams and audience, shows a preview, and on Confirm invites everyone in the audience.

Each invitation shows the start in the invitee's own time, carries the RSVP buttons and the
event's calendar file; the title and agenda reach each invitee in their language.
"""

from __future__ import annotations

from handlers.audience import Audience, describe
from handlers.audience_picker import Chosen, Picker, is_audience_step
from handlers.domain import Team
from handlers.event_ports import Event, EventStatus, NewEvent
from handlers.event_reminders import plan_reminders
from handlers.event_steps import EVENT, ask_lines, ask_step, start_of, take_answer
from handlers.event_views import (
    calendar_attachment,
    details,
    rsvp_buttons,
    tell_each_in_their_zone,
    title,
    when,
    zone_times,
)
from handlers.messages import Phrase
from handlers.turn import Turn, button, phrase

# The questions in the order they are asked (the audience comes after them).
STEPS = ("title", "start", "duration", "link", "agenda", "teams")
AUDIENCE = Picker(EVENT, "ev")


def start_creating(turn: Turn, text: str) -> None:
    """``/event [TITLE]``: begin with the title given, or ask for it."""
    data: dict[str, str] = {}
    if not text.strip():
        ask_step(turn, "title", data)
    elif take_answer(turn, "title", text, data):
        _next_step(turn, data)


def answer_creating(turn: Turn, step: str, text: str) -> None:
    """An answer typed at one of the creation's steps."""
    data = dict(turn.pending.data) if turn.pending is not None else {}
    if is_audience_step(step):
        chosen = AUDIENCE.answer(turn, step, text)
        if chosen is not None:
            audience_chosen(turn, chosen)
    elif step == "confirm":
        _preview(turn, data, [phrase("event.press_confirm")])
    elif step in STEPS and take_answer(turn, step, text, data):
        _next_step(turn, data)
    elif step not in STEPS:
        turn.finish_flow()
        turn.reply("button.stale")


def audience_chosen(turn: Turn, chosen: Chosen) -> None:
    """The audience picker finished: show the preview."""
    _preview(turn, {**chosen.data, "audience": chosen.audience.to_json()})


def _next_step(turn: Turn, data: dict[str, str]) -> None:
    """Ask the first question not answered yet, then the audience, then show the preview."""
    for step in STEPS:
        if step not in data:
            ask_step(turn, step, data)
            return
    if "audience" not in data:
        AUDIENCE.ask(turn, data)
    else:
        _preview(turn, data)


def _presenting(turn: Turn, data: dict[str, str]) -> list[Team]:
    """The presenting teams chosen (those that still exist)."""
    teams = [turn.uow.teams.get(int(t)) for t in data["teams"].split(",") if t.isdecimal()]
    return [t for t in teams if t is not None]


def _draft(turn: Turn, data: dict[str, str]) -> Event:
    """The event the answers describe, as it will be stored (not stored yet)."""
    language = turn.sender.language
    return Event(0, data["title"], language, data["agenda"], language, start_of(data),
                 int(data["duration"]), data["link"], data["zone"],
                 tuple(sorted(t.name for t in _presenting(turn, data))), data["audience"],
                 turn.sender.id, EventStatus.SCHEDULED, 0, turn.now)


def _preview(turn: Turn, data: dict[str, str], before: list[Phrase] | None = None) -> None:
    """Show the event as the organiser will have it, with Confirm / Cancel."""
    event = _draft(turn, data)
    audience = Audience.from_json(data["audience"])
    zones = turn.uow.audiences.zones(audience)
    lines = [*(before or []), phrase("event.preview", title=title(event)),
             *details(event, turn.sender.timezone)]
    if event.zone != turn.sender.timezone:
        lines.append(phrase("event.line.given", when=when(event.zone, event.starts_at)))
    lines += [phrase("event.line.audience", audience=describe(audience),
                     count=sum(zones.values())),
              phrase("event.line.zones", times=zone_times(event.starts_at, zones,
                                                          turn.sender.timezone)),
              phrase("event.preview_confirm")]
    ask_lines(turn, "confirm", data, lines,
              [[button("ev:ok", "event.button.confirm"), button("cancel", "button.cancel")]])


def confirm(turn: Turn) -> None:
    """Confirm pressed: store the event and invite its audience."""
    pending = turn.pending
    if pending is None or pending.flow != EVENT or pending.step != "confirm" \
            or "edit" in pending.data:
        turn.reply("button.stale")
        return
    if not turn.sender.is_coordinator:  # the role was taken away meanwhile
        turn.finish_flow()
        turn.reply("perm.coordinator")
        return
    data = dict(pending.data)
    if start_of(data) <= turn.now:  # the preview waited until after the start
        data.pop("start", None)
        ask_step(turn, "start", data, "event.start_passed")
        return
    audience = Audience.from_json(data["audience"])
    recipients = turn.uow.audiences.recipients(audience)
    if not recipients:
        AUDIENCE.ask(turn, data, [phrase("audience.nobody", audience=describe(audience))])
        return
    draft = _draft(turn, data)
    event = turn.uow.events.add(
        NewEvent(draft.title, draft.title_language, draft.agenda, draft.agenda_language,
                 draft.starts_at, draft.duration_minutes, draft.link, draft.zone,
                 tuple(t.id for t in _presenting(turn, data)), draft.audience),
        turn.sender.id, [r.id for r in recipients],
        plan_reminders(draft.starts_at, turn.deps.settings.event_reminder_hours, turn.now),
        turn.now)
    turn.finish_flow()
    hours = ", ".join(f"{h} h" for h in sorted(set(turn.deps.settings.event_reminder_hours),
                                                reverse=True) if h > 0)
    turn.reply("event.created", code=event.code, title=title(event), count=len(recipients),
               hours=hours or "—")
    invitation = calendar_attachment(turn.deps.files, event, turn.now)

    def body(zone: str) -> list[Phrase]:
        return [phrase("event.invitation", organiser=turn.sender.name, title=title(event),
                       code=event.code), *details(event, zone), phrase("event.invitation_ask")]

    tell_each_in_their_zone(turn, recipients, body, buttons=rsvp_buttons(event.id),
                            attachments=[invitation])
