"""One Slack workspace's state for the fake Web API: its users, conversations, messages, files
and views, with Slack's ids ("U…", "C…"/"G…" channels, "D…" DMs, "F…" files, "V…" views) and
message timestamps ("1800000000.000001", increasing per conversation).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]
FIRST_TS = 1_800_000_000


@dataclass
class Conversation:
    """A channel, private channel or DM, whether the bot is in it, and what was posted there."""

    id: str
    name: str
    is_im: bool = False
    user: str | None = None  # the other member of a DM
    archived: bool = False
    bot_member: bool = True
    messages: list[JSON] = field(default_factory=list)
    _count: int = 0

    def next_ts(self) -> str:
        """A new message timestamp, later than every other in this conversation."""
        self._count += 1
        return f"{FIRST_TS + self._count // 1_000_000}.{self._count % 1_000_000:06d}"

    def message(self, ts: str) -> JSON | None:
        """The message (or thread reply) with this timestamp."""
        return next((m for m in self.messages if m["ts"] == ts), None)


@dataclass
class StoredFile:
    """A file in the workspace: its bytes, and where it was shared."""

    id: str
    name: str
    content: bytes = b""
    title: str = ""
    uploaded: bool = False
    length: int = 0  # announced by files.getUploadURLExternal
    channels: list[str] = field(default_factory=list)
    mimetype: str = "application/octet-stream"


class Workspace:
    """Users, conversations, files and views of one team, for :class:`SlackWebApi`."""

    def __init__(self, team_id: str = "T0PEERDSK", bot_user: str = "U0PEERBOT") -> None:
        self.team_id = team_id
        self.bot_user = bot_user
        self.bot_id = "B0PEERBOT"
        self.users: dict[str, JSON] = {}
        self.conversations: dict[str, Conversation] = {}
        self.files: dict[str, StoredFile] = {}
        self.views: list[JSON] = []  # views.open / views.publish, as recorded
        self._ids = 0
        self.add_user(bot_user, "peerdesk", is_bot=True)

    def new_id(self, prefix: str) -> str:
        """A fresh Slack-looking id with this prefix ("F", "V", ...)."""
        self._ids += 1
        return f"{prefix}0{self._ids:08d}"

    def add_user(self, user_id: str, name: str, *, locale: str = "en-US",
                 deleted: bool = False, is_bot: bool = False, tz: str = "UTC") -> JSON:
        """A member of the team (``deleted``: a deactivated account)."""
        user = {"id": user_id, "team_id": self.team_id, "name": name, "real_name": name,
                "deleted": deleted, "is_bot": is_bot, "is_app_user": False, "tz": tz,
                "locale": locale, "profile": {"real_name": name, "display_name": name}}
        self.users[user_id] = user
        return user

    def add_channel(self, channel_id: str, name: str, *, bot_member: bool = True,
                    archived: bool = False) -> Conversation:
        """A public ("C…") or private ("G…") channel; the bot is in it unless told."""
        conversation = Conversation(channel_id, name, archived=archived, bot_member=bot_member)
        self.conversations[channel_id] = conversation
        return conversation

    def dm(self, user_id: str) -> Conversation:
        """The bot's DM with this user, opened if need be (ids are stable per user)."""
        channel_id = "D" + user_id[1:]
        if channel_id not in self.conversations:
            self.conversations[channel_id] = Conversation(channel_id, user_id, is_im=True,
                                                          user=user_id)
        return self.conversations[channel_id]

    def add_file(self, name: str, content: bytes, mimetype: str = "application/octet-stream",
                 ) -> StoredFile:
        """A file a member uploaded (for inbound tests): downloadable at its url_private."""
        stored = StoredFile(self.new_id("F"), name, content, name, True, mimetype=mimetype)
        self.files[stored.id] = stored
        return stored

    def file_json(self, stored: StoredFile, base_url: str) -> JSON:
        """A file object as Slack describes it (``url_private`` needs the bot token)."""
        url = f"{base_url}/files-pri/{self.team_id}-{stored.id}/{stored.name}"
        return {"id": stored.id, "name": stored.name, "title": stored.title or stored.name,
                "mimetype": stored.mimetype, "filetype": stored.name.rsplit(".", 1)[-1],
                "size": len(stored.content), "user": self.bot_user, "is_external": False,
                "url_private": url, "url_private_download": url + "?download=1",
                "channels": list(stored.channels)}

    def posted(self, channel_id: str) -> list[JSON]:
        """Copies of the messages in a conversation (thread replies included), oldest first."""
        conversation = self.conversations.get(channel_id)
        return copy.deepcopy(conversation.messages) if conversation else []
