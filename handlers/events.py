"""Events: video-conference dissemination events and planning meetings, with RSVPs.

(Being built: the commands answer that they are not ready yet.)
"""

from __future__ import annotations

from handlers.sweep import Sweep
from handlers.turn import Turn

# The guided command that creates (or changes) an event.
EVENT = "event"


def new_event(turn: Turn, args: str) -> None:
    """``/event``: create an event and invite its audience."""
    turn.reply("command.unknown", command="/event")


def list_events(turn: Turn, args: str) -> None:
    """``/events``: upcoming events with their RSVP counts."""
    turn.reply("command.unknown", command="/events")


def answer_event(turn: Turn, step: str, text: str) -> None:
    """An answer typed at one of ``/event``'s steps."""
    turn.reply("command.unknown", command="/event")


def press_event(turn: Turn, arg: str) -> None:
    """An event button (``ev:…``): an RSVP, or a step of creating one."""
    turn.reply("button.stale")


def sweep(run: Sweep) -> None:
    """Send the reminders that are due."""
