"""Telegram updates as the core's inbound messages.

A private chat is a conversation with the bot; in a group the bot only reacts to commands (not
those meant for another bot), to replies to its own messages and to messages that mention it.
Other group text is handed over marked as not addressed to the bot: only a team's linked group
relays it, and nothing answers it. A document is described here (its ``file_id`` and size); the
adapter downloads it only after checking the size. The bot's removal from a group and a group's
new id (a group that became a supergroup) are handed over as chat events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import Chat, ChatMember, Message, MessageEntity, Update, User

from handlers.messages import Attachment, ChatEvent, ChatRef, Inbound, UserRef

PLATFORM = "telegram"


@dataclass(frozen=True, slots=True)
class TelegramFile:
    """A document someone sent: what the adapter needs to fetch it."""

    file_id: str
    name: str
    size: int | None
    mime: str | None


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the bot is, to recognise replies to it and mentions of it in groups."""

    id: int
    username: str


@dataclass(frozen=True, slots=True)
class Incoming:
    """One update the core should handle, and the file to fetch first, if any."""

    inbound: Inbound
    file: TelegramFile | None = None


def identity_of(user: User) -> str:
    """A Telegram user's identity in peerdesk (``telegram:12345``)."""
    return f"{PLATFORM}:{user.id}"


def user_ref(user: User) -> UserRef:
    """Who wrote, with their display name and the language Telegram reports."""
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    return UserRef(identity_of(user), name or (user.username or str(user.id)),
                   user.language_code)


def chat_ref(chat: Chat) -> ChatRef:
    """Where it was written."""
    return ChatRef(PLATFORM, str(chat.id), chat.type == Chat.PRIVATE, chat.title or "")


def incoming(update: Update, bot: BotIdentity) -> Incoming | None:
    """The inbound message an update carries, or None for one the bot ignores (edits,
    channel posts, service messages, group chatter not addressed to the bot)."""
    query = update.callback_query
    if query is not None:
        message = query.message
        if query.data is None or message is None or message.chat is None:
            return None
        return Incoming(Inbound(user_ref(query.from_user), chat_ref(message.chat),
                                button=query.data, message_id=str(message.message_id)))
    if update.my_chat_member is not None:
        return _membership(update, bot)
    message = update.message
    if message is not None and message.migrate_to_chat_id is not None:
        return Incoming(Inbound(_chat_as_sender(message.chat), chat_ref(message.chat),
                                event=ChatEvent(moved_to=str(message.migrate_to_chat_id))))
    if message is not None and message.new_chat_title is not None:
        return Incoming(Inbound(_chat_as_sender(message.chat), chat_ref(message.chat),
                                event=ChatEvent(title=message.new_chat_title)))
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    text = message.text if message.text is not None else (message.caption or "")
    private = message.chat.type == Chat.PRIVATE
    if not private:
        addressed, text = _addressed(message, text, bot)
        if not addressed:
            return _overheard(message)
    document = message.document
    file = None
    attachment = None
    if document is not None:
        file = TelegramFile(document.file_id, document.file_name or "document",
                            document.file_size, document.mime_type)
        attachment = Attachment(file.name, file.size or 0, file.mime)
    elif message.text is None:
        return None  # a photo, a sticker, a service message: nothing the help desk takes
    reply = message.reply_to_message
    return Incoming(Inbound(user_ref(message.from_user), chat_ref(message.chat), text.strip(),
                            attachment=attachment,
                            reply_to=str(reply.message_id) if reply is not None else None,
                            message_id=str(message.message_id)), file)


def _addressed(message: Message, text: str, bot: BotIdentity) -> tuple[bool, str]:
    """Whether a group message is for the bot, and its text without the bot's mention."""
    mention = f"@{bot.username}"
    if text.startswith("/"):
        head = text.split(maxsplit=1)[0]
        _command, _at, target = head.partition("@")
        return (not target or target.lower() == bot.username.lower()), text
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == bot.id:
        return True, text
    # Entity offsets count UTF-16 code units; python-telegram-bot's parse_* handles that.
    found = (message.parse_entities() if message.text is not None
             else message.parse_caption_entities())
    for entity, named in found.items():
        if entity.type == MessageEntity.MENTION and named.lower() == mention.lower():
            return True, re.sub(r" {2,}", " ", text.replace(named, "", 1))
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None \
                and entity.user.id == bot.id:
            return True, text
    return False, text


def _overheard(message: Message) -> Incoming | None:
    """Group talk not meant for the bot (only a linked group relays it); commands for other
    bots are not talk."""
    if message.text is None or message.from_user is None or message.text.startswith("/") \
            or message.sender_chat is not None or message.is_automatic_forward:
        return None  # a channel's post (or its automatic forward) is not a person's talk
    return Incoming(Inbound(user_ref(message.from_user), chat_ref(message.chat),
                            message.text.strip(), message_id=str(message.message_id),
                            addressed=False))


def _membership(update: Update, bot: BotIdentity) -> Incoming | None:
    """The bot's own membership changed: being removed from a group ends its link."""
    change = update.my_chat_member
    if change is None or change.new_chat_member.user.id != bot.id \
            or change.chat.type == Chat.PRIVATE:
        return None
    if change.new_chat_member.status not in (ChatMember.LEFT, ChatMember.BANNED):
        return None
    return Incoming(Inbound(user_ref(change.from_user), chat_ref(change.chat),
                            event=ChatEvent(removed=True)))


def _chat_as_sender(chat: Chat) -> UserRef:
    """For service messages without a person: the chat itself."""
    return UserRef(f"{PLATFORM}:{chat.id}", chat.title or str(chat.id))
