"""Answering an invitation (Attending / Maybe / Not attending, changeable until the start) and
``/events``: the upcoming events a person is invited to (coordinators: all) with who comes."""

from __future__ import annotations

from handlers.domain import parse_number
from handlers.event_ports import Answer, Counts, EventStatus, Listed
from handlers.event_views import counts_line, details, rsvp_buttons, title, when
from handlers.messages import Button, Phrase
from handlers.turn import Turn, button, phrase

# At most this many events are listed, soonest first.
LISTED = 10


def answer_invitation(turn: Turn, answer: Answer, arg: str) -> None:
    """An RSVP button: record the answer if the event still takes place and is ahead."""
    number = parse_number(arg)
    event = turn.uow.events.get(number) if number is not None else None
    if event is None:
        turn.reply("button.stale")
        return
    invited, _previous = turn.uow.events.answer_of(event.id, turn.sender.id)
    if not invited:
        turn.reply("event.not_invited", code=event.code, title=title(event))
    elif event.status == EventStatus.CANCELLED:
        turn.reply("event.rsvp_cancelled", code=event.code, title=title(event))
    elif event.starts_at <= turn.now:
        turn.reply("event.rsvp_past", code=event.code, title=title(event))
    else:
        turn.uow.events.answer(event.id, turn.sender.id, answer, turn.now)
        turn.reply(f"event.rsvp.{answer.value}", code=event.code, title=title(event),
                   when=when(turn.sender.timezone, event.starts_at))


def list_events(turn: Turn, args: str) -> None:
    """``/events``: upcoming events with their start in the person's time and the answers."""
    every = turn.sender.is_coordinator
    listed = turn.uow.events.upcoming(turn.now, turn.sender.id, every=every, limit=LISTED + 1)
    if not listed:
        turn.reply("event.list_none_coordinator" if every else "event.list_none")
        return
    shown = listed[:LISTED]
    counts = turn.uow.events.counts([item.event.id for item in shown])
    turn.reply("event.list_header" if len(listed) <= LISTED else "event.list_header_more",
               count=len(shown))
    for item in shown:
        turn.reply_lines(_card(turn, item, counts.get(item.event.id, Counts())),
                         buttons=_card_buttons(turn, item))


def _card(turn: Turn, item: Listed, counts: Counts) -> list[Phrase]:
    event = item.event
    lines = [phrase("event.list_item", code=event.code, title=title(event)),
             *details(event, turn.sender.timezone, full=False)]
    if event.presenting:
        lines.append(phrase("event.line.presenting", teams=", ".join(event.presenting)))
    lines.append(counts_line(counts))
    if item.invited:
        lines.append(phrase(f"event.your_answer.{item.answer.value}") if item.answer
                     else phrase("event.your_answer.none"))
    return lines


def _card_buttons(turn: Turn, item: Listed) -> list[list[Button]]:
    event = item.event
    rows = rsvp_buttons(event.id, item.answer) \
        if item.invited and event.starts_at > turn.now else []
    if turn.sender.is_coordinator:
        rows.append([button(f"ev:edit:{event.id}", "event.button.change"),
                     button(f"ev:cancel:{event.id}", "event.button.cancel_event")])
    return rows
