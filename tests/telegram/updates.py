"""Real-shaped Telegram objects: users, chats, messages and the updates that carry them.

Everything here is plain JSON (dicts), exactly as the Bot API sends it: dates in whole seconds,
``from`` for the sender, commands and mentions marked by entities (python-telegram-bot's
``CommandHandler`` needs the ``bot_command`` one), replies carrying the whole replied-to
message. :class:`ChatLog` holds the messages of every chat so that bot and user messages share
one ``message_id`` sequence per chat, as in Telegram; :class:`UpdateFactory` builds updates
with increasing ``update_id`` values. Both work without any server, for offline adapter tests.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


def now() -> int:
    """The current time as Telegram stamps it: whole seconds since the epoch."""
    return int(time.time())


def user(user_id: int, first_name: str = "Ana", *, language_code: str | None = "en",
         username: str | None = None, last_name: str | None = None) -> JSON:
    """A human Telegram user."""
    result: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        result["last_name"] = last_name
    if username:
        result["username"] = username
    if language_code:
        result["language_code"] = language_code
    return result


def private_chat(of: JSON) -> JSON:
    """The private chat between the bot and the user ``of`` (its id is the user's id)."""
    result: JSON = {"id": of["id"], "type": "private", "first_name": of["first_name"]}
    if "username" in of:
        result["username"] = of["username"]
    return result


def group_chat(chat_id: int, title: str = "Team group", *, supergroup: bool = True) -> JSON:
    """A group chat; Telegram group ids are negative (supergroups start with -100)."""
    if chat_id >= 0:
        raise ValueError("group chat ids are negative")
    return {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units: what Telegram's entity offsets and lengths count."""
    return len(text.encode("utf-16-le")) // 2


def text_entities(text: str) -> list[JSON]:
    """The entities Telegram adds by itself: ``bot_command`` for a leading ``/command`` and
    ``mention`` for each ``@username``, offsets in UTF-16 code units."""
    entities: list[JSON] = []
    if text.startswith("/"):
        entities.append({"type": "bot_command", "offset": 0,
                         "length": utf16_length(text.split(maxsplit=1)[0])})
    for found in re.finditer(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{4,31}", text):
        entities.append({"type": "mention", "offset": utf16_length(text[:found.start()]),
                         "length": utf16_length(found.group())})
    return entities


@dataclass
class StoredFile:
    """A file the fake Bot API knows: uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    file_name: str
    content: bytes
    file_path: str
    file_size: int


@dataclass
class ChatLog:
    """Every message of every chat, and every file, as the fake Bot API remembers them."""

    chats: dict[int, JSON] = field(default_factory=dict)
    messages: dict[tuple[int, int], JSON] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    _next_message_id: dict[int, int] = field(default_factory=dict)
    _file_numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def chat(self, chat_id: int) -> JSON:
        """The chat object for ``chat_id`` (a bare one if it was never seen)."""
        if chat_id not in self.chats:
            kind = "private" if chat_id > 0 else "supergroup"
            bare: JSON = {"id": chat_id, "type": kind}
            bare.update({"first_name": "User"} if chat_id > 0 else {"title": "Group"})
            return bare
        return self.chats[chat_id]

    def new_message(self, chat: JSON, sender: JSON, **fields: Any) -> JSON:
        """Record a new message in ``chat`` with the chat's next ``message_id``."""
        chat_id = int(chat["id"])
        self.chats.setdefault(chat_id, chat)
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        message: JSON = {"message_id": message_id, "from": sender, "chat": chat, "date": now()}
        message.update({key: value for key, value in fields.items() if value is not None})
        self.messages[(chat_id, message_id)] = message
        return message

    def add_file(self, content: bytes, *, kind: str = "documents", file_name: str = "file",
                 file_size: int | None = None) -> StoredFile:
        """Store ``content`` under a fresh ``file_id`` (``file_size`` may claim more bytes)."""
        number = next(self._file_numbers)
        digest = hashlib.sha256(content).hexdigest()
        suffix = file_name.rsplit(".", 1)[1] if "." in file_name else "bin"
        stored = StoredFile(file_id=f"BQACAgIAAx-{number}-{digest[:16]}",
                            file_unique_id=f"AgAD{digest[:8]}", file_name=file_name,
                            content=content,
                            file_path=f"{kind}/file_{number}.{suffix}",
                            file_size=len(content) if file_size is None else file_size)
        self.files[stored.file_id] = stored
        return stored


class UpdateFactory:
    """Builds updates with increasing ``update_id`` values, recording messages in ``log``."""

    def __init__(self, bot: JSON, log: ChatLog | None = None, first_update_id: int = 100) -> None:
        """``bot`` is the bot's own User object (the sender of the bot's messages)."""
        self.bot = bot
        self.log = log if log is not None else ChatLog()
        self._update_ids = itertools.count(first_update_id)
        self._query_ids = itertools.count(1)
        self.open_queries: set[str] = set()

    def next_update_id(self) -> int:
        """A fresh update id, larger than every earlier one."""
        return next(self._update_ids)

    def message_from(self, sender: JSON, text: str, chat: JSON | None = None, *,
                     reply_to: int | JSON | None = None, entities: list[JSON] | None = None,
                     ) -> JSON:
        """An update with a text message from ``sender`` (in their private chat by default).

        ``reply_to`` is a message id in the same chat (the stored message is embedded, as
        Telegram does) or a whole message dict."""
        chat = chat or private_chat(sender)
        message = self.log.new_message(
            chat, sender, text=text,
            entities=entities if entities is not None else (text_entities(text) or None),
            reply_to_message=self._replied(chat, reply_to))
        return {"update_id": self.next_update_id(), "message": message}

    def document_from(self, sender: JSON, content: bytes, file_name: str = "report.pdf",
                      chat: JSON | None = None, *, mime_type: str = "application/pdf",
                      caption: str | None = None, file_size: int | None = None,
                      reply_to: int | JSON | None = None) -> JSON:
        """An update with a document from ``sender``; its file can be fetched with getFile.

        ``file_size`` may announce more bytes than ``content`` (to test size limits cheaply)."""
        chat = chat or private_chat(sender)
        stored = self.log.add_file(content, file_name=file_name, file_size=file_size)
        document = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                    "file_name": file_name, "mime_type": mime_type,
                    "file_size": stored.file_size}
        message = self.log.new_message(chat, sender, document=document, caption=caption,
                                       reply_to_message=self._replied(chat, reply_to))
        return {"update_id": self.next_update_id(), "message": message}

    def callback_from(self, sender: JSON, message_id: int, data: str,
                      chat: JSON | None = None) -> JSON:
        """An update for ``sender`` pressing a button with ``data`` under message ``message_id``.

        The message is the stored one (normally the bot's own, sent with the keyboard); a bare
        bot message stands in if the log does not have it (offline tests)."""
        chat = chat or private_chat(sender)
        message = self.log.messages.get((int(chat["id"]), message_id)) or {
            "message_id": message_id, "from": self.bot, "chat": chat, "date": now(),
            "text": "(message)"}
        query_id = f"{sender['id']}{next(self._query_ids):08d}"
        self.open_queries.add(query_id)
        query = {"id": query_id, "from": sender, "message": message,
                 "chat_instance": str(-abs(int(chat["id"]))), "data": data}
        return {"update_id": self.next_update_id(), "callback_query": query}

    def bot_status_change(self, actor: JSON, chat: JSON, new_status: str,
                          old_status: str = "member") -> JSON:
        """A ``my_chat_member`` update: the bot's status in ``chat`` changed by ``actor``
        (``"kicked"`` in a private chat means the user blocked the bot; ``"member"`` from
        ``"left"`` in a group means the bot was added)."""
        return {"update_id": self.next_update_id(), "my_chat_member": {
            "chat": chat, "from": actor, "date": now(),
            "old_chat_member": {"status": old_status, "user": self.bot},
            "new_chat_member": _member(new_status, self.bot)}}

    def _replied(self, chat: JSON, reply_to: int | JSON | None) -> JSON | None:
        """The message a reply refers to, without its own nested reply (as Telegram sends it)."""
        if reply_to is None:
            return None
        if isinstance(reply_to, dict):
            replied = dict(reply_to)
        else:
            replied = dict(self.log.messages[(int(chat["id"]), reply_to)])
        replied.pop("reply_to_message", None)
        return replied


def _member(status: str, who: JSON) -> JSON:
    """A ChatMember of ``status``; "kicked" and "restricted" carry the fields PTB requires."""
    member: JSON = {"status": status, "user": who}
    if status == "kicked":
        member["until_date"] = 0
    return member
