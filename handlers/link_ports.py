"""The port identity links talk through: one-time link codes, wrong guesses, and merging.

A person asks for a code on one platform (``/link``) and types it on another (``/link CODE``);
the identity that typed it then belongs to the member who asked. Implemented in
``storage/links.py`` (SQL).
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol


class LinkCode(NamedTuple):
    """A member's live (or expired, not yet replaced) one-time link code."""

    member_id: int
    code: str
    expires_at: datetime


class Guesses(NamedTuple):
    """How many wrong codes a member typed in a row, and when the last one was typed."""

    failures: int
    last_at: datetime


class Links(Protocol):
    """Link codes, wrong guesses, and moving identities from one member to another."""

    def set_code(self, member_id: int, code: str, expires_at: datetime) -> None:
        """Give a member a new code, replacing any earlier one (one code per member)."""
        ...

    def code_taken(self, code: str) -> bool:
        """Whether another member holds this code (live or expired)."""
        ...

    def find(self, code: str) -> LinkCode | None:
        """The code as stored (upper case), whoever holds it."""
        ...

    def drop_code(self, member_id: int) -> None:
        """Forget a member's code (it was used)."""
        ...

    def guesses(self, member_id: int) -> Guesses | None:
        """A member's recent wrong codes, if any."""
        ...

    def set_guesses(self, member_id: int, guesses: Guesses) -> None:
        """Record a member's wrong codes."""
        ...

    def clear_guesses(self, member_id: int) -> None:
        """Forget a member's wrong codes."""
        ...

    def merge(self, keep_id: int, gone_id: int) -> None:
        """Make two members one: every identity and record of ``gone_id`` moves to
        ``keep_id`` (where both hold the same thing, ``keep_id``'s stays), its pending guided
        command is dropped, and ``gone_id`` is deleted. The caller checks first that the two
        may be merged (teams)."""
        ...

    def remove_identity(self, member_id: int, identity: str) -> bool:
        """Take one identity away from a member; False when it was not theirs."""
        ...
