"""The port team groups talk through: which platform group belongs to which team.

A leader asks to link a group from inside it (a *request*); once they confirm in private the
link is *confirmed*, and the team's notifications and talk reach the group. Implemented in
``storage/team_groups.py`` (SQL).
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple, Protocol

from handlers.domain import Language


class TeamGroup(NamedTuple):
    """One group chat on a platform, linked (or asked to be linked) to a team."""

    id: int
    team_id: int
    platform: str
    chat_id: str
    title: str
    language: Language  # the language the bot writes in there
    requested_by: int
    requested_at: datetime
    linked_at: datetime | None  # None while the leader has not confirmed

    @property
    def identity(self) -> str:
        """The group as an address in the outbox (``telegram:-100123``)."""
        return f"{self.platform}:{self.chat_id}"


class TeamGroups(Protocol):
    """Team groups and link requests."""

    def get(self, link_id: int) -> TeamGroup | None:
        """One link or request by id."""
        ...

    def for_chat(self, platform: str, chat_id: str) -> TeamGroup | None:
        """The link (or pending request) of one group chat."""
        ...

    def of_team(self, team_id: int) -> list[TeamGroup]:
        """A team's confirmed groups (at most one per platform)."""
        ...

    def request(self, team_id: int, platform: str, chat_id: str, title: str,
                language: Language, by: int, now: datetime) -> TeamGroup:
        """Ask to link a group (replacing an earlier unconfirmed request for it)."""
        ...

    def confirm(self, link_id: int, now: datetime) -> list[TeamGroup] | None:
        """Confirm a request; the team's groups on that platform it replaces (unlinked), or
        None when it was no longer waiting (confirmed meanwhile, or gone)."""
        ...

    def set_language(self, link_id: int, language: Language) -> None:
        """The language the bot writes in in a linked group."""
        ...

    def rename(self, platform: str, chat_id: str, title: str) -> None:
        """A group's new name."""
        ...

    def remove(self, link_id: int) -> None:
        """Forget a link or a request."""
        ...

    def move(self, platform: str, old_chat_id: str, new_chat_id: str) -> TeamGroup | None:
        """A group got a new id (a Telegram group became a supergroup); the link follows it."""
        ...
