"""Broadcasts: a coordinator's news to an audience, each reader in their own language.

(Being built: the commands answer that they are not ready yet.)
"""

from __future__ import annotations

from handlers.messages import Attachment
from handlers.sweep import Sweep
from handlers.turn import Turn

# The guided command that drafts a broadcast.
BROADCAST = "broadcast"


def start_broadcast(turn: Turn, args: str) -> None:
    """``/broadcast``: draft a message to an audience."""
    turn.reply("command.unknown", command="/broadcast")


def list_broadcasts(turn: Turn, args: str) -> None:
    """``/broadcasts``: past and scheduled broadcasts with their figures."""
    turn.reply("command.unknown", command="/broadcasts")


def answer_broadcast(turn: Turn, step: str, text: str) -> None:
    """An answer typed at one of ``/broadcast``'s steps."""
    turn.reply("command.unknown", command="/broadcast")


def receive_file(turn: Turn, attachment: Attachment, caption: str) -> None:
    """A file sent while drafting a broadcast: it goes with the broadcast."""
    turn.reply("command.unknown", command="/broadcast")


def press_broadcast(turn: Turn, arg: str) -> None:
    """A broadcast button (``bc:…``)."""
    turn.reply("button.stale")


def sweep(run: Sweep) -> None:
    """Release scheduled broadcasts that are due and report delivery progress."""
