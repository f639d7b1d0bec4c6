"""The port the broadcasts talk through: drafts, audiences, schedules and delivery figures.

Implemented in ``storage/broadcasts.py`` (SQL).
"""

from __future__ import annotations

from typing import Protocol


class Broadcasts(Protocol):
    """Broadcasts to many members, their schedules and what became of their messages."""
