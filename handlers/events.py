"""Events: video-conference dissemination events and planning meetings, with RSVPs.

The commands, answers and buttons arrive here and go to the module that handles them:
creating (``event_flow``), changing and cancelling (``event_manage``), answering and listing
(``event_rsvp``), and the reminders the scheduler sends (``event_reminders``).

Button data: ``ev:yes|maybe|no:N`` (RSVP), ``ev:ok`` (confirm the preview), ``ev:dur:M`` and
``ev:skip:agenda|teams`` (answers), ``ev:a:…`` (the audience picker), ``ev:field:F``,
``ev:edit:N``, ``ev:cancel:N`` and ``ev:drop:N`` (changing and cancelling).
"""

from __future__ import annotations

from handlers import event_flow, event_manage, event_rsvp
from handlers.event_ports import Answer
from handlers.event_reminders import send_due_reminders
from handlers.event_steps import EVENT
from handlers.sweep import Sweep
from handlers.turn import Turn

__all__ = ["EVENT", "answer_event", "list_events", "new_event", "press_event", "sweep"]


def new_event(turn: Turn, args: str) -> None:
    """``/event [TITLE]`` creates an event; ``/event edit N``, ``/event cancel N`` change or
    cancel one."""
    if not turn.sender.is_coordinator:
        turn.reply("perm.coordinator")
        return
    head, _, rest = args.strip().partition(" ")
    if head.casefold() in ("edit", "change", "editar", "modifier", "changer"):
        event_manage.edit_event(turn, rest)
    elif head.casefold() in ("cancel", "cancelar", "annuler"):
        event_manage.cancel_event(turn, rest)
    else:
        event_flow.start_creating(turn, args)


def list_events(turn: Turn, args: str) -> None:
    """``/events``: upcoming events with their RSVP counts."""
    event_rsvp.list_events(turn, args)


def answer_event(turn: Turn, step: str, text: str) -> None:
    """An answer typed at one of ``/event``'s steps (creating or changing an event)."""
    pending = turn.pending
    if pending is not None and "edit" in pending.data:
        event_manage.answer_editing(turn, step, text)
    else:
        event_flow.answer_creating(turn, step, text)


def press_event(turn: Turn, arg: str) -> None:
    """An event button (``ev:…``): an RSVP, or a step of creating, changing or cancelling."""
    action, _, value = arg.partition(":")
    pending = turn.pending
    if action in ("yes", "maybe", "no"):
        event_rsvp.answer_invitation(turn, Answer(action), value)
    elif action == "a":
        chosen = event_flow.AUDIENCE.press(turn, value)
        if chosen is not None:
            event_flow.audience_chosen(turn, chosen)
    elif action == "ok":
        event_flow.confirm(turn)
    elif action in ("dur", "skip") and pending is not None and pending.flow == EVENT \
            and pending.step == ("duration" if action == "dur" else value):
        answer_event(turn, pending.step, value if action == "dur" else "-")
    elif action == "field":
        event_manage.choose_field(turn, value)
    elif action == "edit":
        event = event_manage.event_to_manage(turn, value)
        if event is not None:
            event_manage.ask_field(turn, event, {"edit": str(event.id)})
    elif action == "cancel":
        event_manage.cancel_event(turn, value)
    elif action == "drop":
        event_manage.drop_event(turn, value)
    else:
        turn.reply("button.stale")


def sweep(run: Sweep) -> None:
    """Send the reminders that are due."""
    send_due_reminders(run)
