"""Sending outbox rows through Telegram: text in pieces, buttons as an inline keyboard, files
as documents (by file_id once Telegram has one), and Telegram's refusals as the dispatcher's
failure kinds."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.dispatcher import Delivery, PermanentFailure, RetryLater, Unreachable
from bot.telegram.text import split_text
from storage.outbox import QueuedMessage

log = logging.getLogger(__name__)

# Between the parts of one message (text pieces, files) to one chat: Telegram's pace of one
# message a second per chat (the dispatcher paces whole messages).
PART_PAUSE = 1.0


def keyboard(buttons: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """The inline keyboard for a message's buttons (None when it has none)."""
    rows = [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in buttons if row]
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramChannel:
    """The dispatcher's channel for Telegram identities."""

    def __init__(self, bot: Bot, part_pause: float = PART_PAUSE) -> None:
        self.bot = bot
        self.part_pause = part_pause
        # Telegram's file_id of each file already uploaded (same bot): sent again by id.
        self._file_ids: dict[str, str] = {}

    async def send(self, message: QueuedMessage) -> Delivery:
        """Send one message; Telegram's refusals become RetryLater, Unreachable or
        PermanentFailure, anything else (timeouts, 5xx) is retried by the dispatcher."""
        chat = message.chat_id or message.identity.split(":", 1)[1]
        try:
            try:
                last = await self._send(chat, message)
            except ChatMigrated as moved:  # a group became a supergroup: send it there
                last = await self._send(str(moved.new_chat_id), message)
        except RetryAfter as exc:
            seconds = exc.retry_after
            wait = float(seconds) if isinstance(seconds, int) else seconds.total_seconds()
            raise RetryLater(wait, str(exc)) from exc
        except Forbidden as exc:
            if self.is_group(chat):  # the bot left or was removed: the group, not the member
                raise PermanentFailure(str(exc)) from exc
            raise Unreachable(str(exc)) from exc
        except BadRequest as exc:
            raise PermanentFailure(str(exc)) from exc
        if message.closes is not None:
            await self._close_buttons(str(last.chat_id), message.closes)
        return Delivery(chat_id=str(last.chat_id), message_id=str(last.message_id))

    async def _close_buttons(self, chat: str, message_id: str) -> None:
        """Take the buttons off an answered message. The answer is already sent, so a refusal
        (the message is too old, or already has none) is only logged: raising would send the
        answer twice."""
        try:
            await self.bot.edit_message_reply_markup(chat, int(message_id), reply_markup=None)
        except (TelegramError, ValueError) as exc:
            log.info("could not take the buttons off message %s in %s: %s", message_id, chat,
                     exc)

    def is_group(self, chat_id: str) -> bool:
        """Telegram's group and supergroup chats have negative ids."""
        return chat_id.startswith("-")

    async def _send(self, chat: str, message: QueuedMessage) -> Message:
        pieces = split_text(message.text)
        markup = keyboard(message.buttons)
        last: Message | None = None
        for number, piece in enumerate(pieces, start=1):
            if number > 1:
                await asyncio.sleep(self.part_pause)
            last = await self.bot.send_message(
                chat, piece, reply_markup=markup if number == len(pieces) else None)
        for attachment in message.attachments:
            await asyncio.sleep(self.part_pause)
            location = attachment.location or ""
            known = self._file_ids.get(location)
            if known is not None:
                sent = await self.bot.send_document(chat, known)
            else:
                content = await asyncio.to_thread(Path(location).read_bytes)
                sent = await self.bot.send_document(chat, content, filename=attachment.filename)
                if sent.document is not None:
                    self._file_ids[location] = sent.document.file_id
        assert last is not None
        return last
