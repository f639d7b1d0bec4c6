"""Changing or cancelling an event: ``/event edit N [FIELD VALUE]``, ``/event cancel N``, or
the buttons under an event in ``/events`` (coordinators).

Everyone invited is told, with an updated calendar file (its SEQUENCE one higher) or one that
cancels the event; reminders follow a new start.
"""

from __future__ import annotations

from handlers.domain import parse_number
from handlers.event_ports import Event, EventChange, EventStatus
from handlers.event_reminders import plan_reminders
from handlers.event_steps import EVENT, ask_step, start_of, take_answer
from handlers.event_views import (
    calendar_attachment,
    details,
    rsvp_buttons,
    tell_each_in_their_zone,
    title,
    when,
)
from handlers.messages import Phrase
from handlers.turn import Turn, button, phrase

FIELDS = ("start", "duration", "link", "title", "agenda")
# Field names people may type after /event edit N (in the four languages).
FIELD_WORDS = {
    **dict.fromkeys(("start", "time", "when", "inicio", "início", "hora", "horario", "horário",
                     "debut", "début", "heure", "date", "data", "fecha"), "start"),
    **dict.fromkeys(("duration", "duração", "duracao", "duración", "duracion", "durée",
                     "duree"), "duration"),
    **dict.fromkeys(("link", "url", "enlace", "lien"), "link"),
    **dict.fromkeys(("title", "título", "titulo", "titre"), "title"),
    **dict.fromkeys(("agenda", "programa", "ordre", "programme"), "agenda"),
}


def event_to_manage(turn: Turn, text: str) -> Event | None:
    """The event a coordinator names (``E3`` or ``3``), if it can still be changed; else
    says why not."""
    number = parse_number(text.strip().upper().removeprefix("E"))
    event = turn.uow.events.get(number) if number is not None else None
    if not turn.sender.is_coordinator:
        turn.reply("perm.coordinator")
        return None
    if event is None:
        turn.reply("event.not_found", code=text.strip()[:20] or "?")
        return None
    if event.status == EventStatus.CANCELLED:
        turn.reply("event.is_cancelled", code=event.code, title=title(event))
        return None
    if event.ends_at <= turn.now:
        turn.reply("event.is_over", code=event.code, title=title(event))
        return None
    return event


def edit_event(turn: Turn, args: str) -> None:
    """``/event edit N [FIELD VALUE]``: ask what to change, or change it at once."""
    code, _, rest = args.strip().partition(" ")
    if not code:
        turn.reply("event.which", command="/event edit")
        return
    event = event_to_manage(turn, code)
    if event is None:
        return
    word, _, value = rest.strip().partition(" ")
    field = FIELD_WORDS.get(word.casefold())
    data = {"edit": str(event.id)}
    if field is None:
        ask_field(turn, event, data, [phrase("event.unknown_field", field=word)] if word else [])
    elif not value.strip():
        ask_step(turn, field, data)
    else:
        answer_editing(turn, field, value, data)


def ask_field(turn: Turn, event: Event, data: dict[str, str],
              before: list[Phrase] | None = None) -> None:
    """Ask which field to change, with one button per field."""
    buttons = [[button(f"ev:field:{f}", f"event.field.{f}") for f in FIELDS[:3]],
               [button(f"ev:field:{f}", f"event.field.{f}") for f in FIELDS[3:]]]
    if before:
        turn.reply_lines(before)
    turn.ask(EVENT, "field", "event.ask_field", data=data, buttons=buttons, code=event.code,
             title=title(event))


def choose_field(turn: Turn, field: str) -> None:
    """A field button pressed while choosing what to change."""
    pending = turn.pending
    if pending is None or pending.flow != EVENT or pending.step != "field" \
            or field not in FIELDS:
        turn.reply("button.stale")
        return
    ask_step(turn, field, dict(pending.data))


def answer_editing(turn: Turn, step: str, text: str,
                   data: dict[str, str] | None = None) -> None:
    """The field chosen (typed), or its new value."""
    data = dict(data if data is not None else (turn.pending.data if turn.pending else {}))
    event = event_to_manage(turn, data.get("edit", ""))
    if event is None:
        turn.finish_flow()
        return
    if step == "field":
        field = FIELD_WORDS.get(text.strip().casefold())
        if field is None:
            ask_field(turn, event, data, [phrase("event.unknown_field", field=text.strip()[:40])])
        else:
            ask_step(turn, field, data)
        return
    if step not in FIELDS:
        turn.finish_flow()
        turn.reply("button.stale")
        return
    if take_answer(turn, step, text, data):
        _apply(turn, event, step, data)


def _change_for(turn: Turn, event: Event, field: str,
                data: dict[str, str]) -> EventChange | None:
    """What the new value changes; None when it is what the event already says."""
    language = turn.sender.language
    if field == "start":
        start = start_of(data)
        return EventChange(starts_at=start, zone=data["zone"]) \
            if start != event.starts_at else None
    if field == "duration":
        minutes = int(data["duration"])
        return EventChange(duration_minutes=minutes) \
            if minutes != event.duration_minutes else None
    if field == "link":
        return EventChange(link=data["link"]) if data["link"] != event.link else None
    if field == "title":
        return EventChange(title=(data["title"], language)) \
            if data["title"] != event.title else None
    return EventChange(agenda=(data["agenda"], language)) \
        if data["agenda"] != event.agenda else None


def _apply(turn: Turn, event: Event, field: str, data: dict[str, str]) -> None:
    """Store the change and tell everyone invited, with an updated calendar file."""
    turn.finish_flow()
    change = _change_for(turn, event, field, data)
    if change is None:
        turn.reply("event.unchanged", code=event.code)
        return
    reminders = plan_reminders(change.starts_at, turn.deps.settings.event_reminder_hours,
                               turn.now) if change.starts_at is not None else None
    changed = turn.uow.events.change(event.id, change, reminders, turn.now)
    if changed is None:
        turn.reply("button.stale")
        return
    invitees = turn.uow.events.invitees(event.id)
    turn.reply("event.changed", code=changed.code, count=len(invitees),
               what=phrase(f"event.field.{field}"))
    update = calendar_attachment(turn.deps.files, changed, turn.now)

    def body(zone: str) -> list[Phrase]:
        lines = [phrase("event.changed_notice", title=title(changed), code=changed.code,
                        what=phrase(f"event.field.{field}"))]
        if field == "start":
            lines.append(phrase("event.line.was", when=when(zone, event.starts_at)))
        return [*lines, *details(changed, zone)]

    tell_each_in_their_zone(turn, invitees, body, buttons=rsvp_buttons(changed.id),
                            attachments=[update])


def cancel_event(turn: Turn, args: str) -> None:
    """``/event cancel N``: ask to confirm the cancellation."""
    if not args.strip():
        turn.reply("event.which", command="/event cancel")
        return
    event = event_to_manage(turn, args.split()[0])
    if event is None:
        return
    turn.reply("event.cancel_confirm", code=event.code, title=title(event),
               when=when(turn.sender.timezone, event.starts_at),
               buttons=[[button(f"ev:drop:{event.id}", "event.button.drop"),
                         button("cancel", "event.button.keep")]])


def drop_event(turn: Turn, arg: str) -> None:
    """The cancellation confirmed: cancel the event and tell everyone invited."""
    event = event_to_manage(turn, arg)
    if event is None:
        return
    cancelled = turn.uow.events.cancel(event.id, turn.now)
    if cancelled is None:
        turn.reply("event.is_cancelled", code=event.code, title=title(event))
        return
    invitees = turn.uow.events.invitees(event.id)
    turn.reply("event.cancelled", code=event.code, title=title(event), count=len(invitees))
    notice = calendar_attachment(turn.deps.files, cancelled, turn.now)

    def body(zone: str) -> list[Phrase]:
        return [phrase("event.cancelled_notice", title=title(cancelled), code=cancelled.code,
                       when=when(zone, cancelled.starts_at))]

    tell_each_in_their_zone(turn, invitees, body, attachments=[notice])
