"""The port the follow-ups talk through: what is due, what was nagged, snoozes and pauses.

Implemented in ``storage/followups.py`` (SQL).
"""

from __future__ import annotations

from typing import Protocol


class Followups(Protocol):
    """What the follow-up rules look at, and the record of the nags sent."""
