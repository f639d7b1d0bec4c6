"""The port the events talk through: events, who is invited, their answers and reminders.

Implemented in ``storage/events.py`` (SQL).
"""

from __future__ import annotations

from typing import Protocol


class Events(Protocol):
    """Video-conference events and planning meetings, their invitations and RSVPs."""
