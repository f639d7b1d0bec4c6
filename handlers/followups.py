"""Follow-ups: polite nags, at local working hours, until things move.

(Being built.)
"""

from __future__ import annotations

from handlers.sweep import Sweep
from handlers.turn import Turn


def show_nags(turn: Turn, args: str) -> None:
    """``/nags``: what is pending for me; coordinators pause or resume a team's nags."""
    turn.reply("command.unknown", command="/nags")


def press_nag(turn: Turn, arg: str) -> None:
    """A nag's button (``nag:…``): open the item, or snooze."""
    turn.reply("button.stale")


def sweep(run: Sweep) -> None:
    """Send the nags that are due now."""
