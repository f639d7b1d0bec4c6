"""Sending outbox rows through Telegram: text in pieces, buttons as an inline keyboard, files
as documents (by file_id once Telegram has one), and Telegram's refusals as the dispatcher's
failure kinds.

A message in several parts (a long text in pieces, text and files) that fails after some parts
were accepted is resumed from the first part not delivered when the dispatcher retries it, so
readers never see a part twice. That progress is kept by the channel, in memory: after a
restart such a message is sent whole again (keeping it on the outbox row needs a column).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.dispatcher import Delivery, PermanentFailure, RetryLater, Unreachable
from bot.telegram.text import split_text
from handlers.messages import Attachment
from storage.outbox import QueuedMessage

log = logging.getLogger(__name__)

# Between the parts of one message (text pieces, files) to one chat: Telegram's pace of one
# message a second per chat (the dispatcher paces whole messages).
PART_PAUSE = 1.0
# Messages whose progress is kept (those that failed part-way), and files whose Telegram id is
# remembered; the oldest is forgotten first.
KEPT_PROGRESS = 10_000


@dataclass(slots=True)
class _Progress:
    """How far a message in several parts got: parts accepted, and the last text piece sent
    (it carries the buttons: where the message is said to have landed)."""

    parts: int = 0
    last: Message | None = None


def keyboard(buttons: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """The inline keyboard for a message's buttons (None when it has none)."""
    rows = [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in buttons if row]
    return InlineKeyboardMarkup(rows) if rows else None


def replying(thread: str | None) -> ReplyParameters | None:
    """A message that continues the conversation of another one (``thread``, a message id in
    the same chat) is sent as a reply to it; sent on its own if that one is gone."""
    if thread is None or not thread.isdecimal():
        return None
    return ReplyParameters(int(thread), allow_sending_without_reply=True)


class TelegramChannel:
    """The dispatcher's channel for Telegram identities."""

    def __init__(self, bot: Bot, part_pause: float = PART_PAUSE) -> None:
        self.bot = bot
        self.part_pause = part_pause
        # Telegram's file_id of each file already uploaded (same bot): sent again by id.
        self._file_ids: dict[str, str] = {}
        # Outbox id → parts already delivered, for messages that failed part-way.
        self._progress: dict[int, _Progress] = {}

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
        """Send the parts not yet delivered, in order: the text's pieces (the keyboard on the
        last), then the files, a pause apart; returns the last text piece."""
        pieces = split_text(message.text)
        markup = keyboard(message.buttons)
        progress = self._progress.pop(message.id, None) or _Progress()
        first, parts = progress.parts + 1, len(pieces) + len(message.attachments)
        try:
            for number in range(first, parts + 1):
                if number > first:  # the dispatcher paced the first
                    await asyncio.sleep(self.part_pause)
                if number <= len(pieces):
                    progress.last = await self.bot.send_message(
                        chat, pieces[number - 1],
                        reply_markup=markup if number == len(pieces) else None,
                        reply_parameters=replying(message.thread) if number == 1 else None)
                else:
                    await self._send_file(chat, message.attachments[number - len(pieces) - 1])
                progress.parts = number
        except BaseException:
            if progress.parts:
                self._keep(message.id, progress)
            raise
        assert progress.last is not None
        return progress.last

    def _keep(self, message_id: int, progress: _Progress) -> None:
        self._progress[message_id] = progress
        _forget_oldest(self._progress)

    async def _send_file(self, chat: str, attachment: Attachment) -> None:
        location = attachment.location or ""
        known = self._file_ids.get(location)
        if known is not None:
            await self.bot.send_document(chat, known)
            return
        content = await asyncio.to_thread(Path(location).read_bytes)
        sent = await self.bot.send_document(chat, content, filename=attachment.filename)
        if sent.document is not None:
            self._file_ids[location] = sent.document.file_id
            _forget_oldest(self._file_ids)


def _forget_oldest(kept: dict[Any, Any]) -> None:
    """Forget the oldest entries beyond :data:`KEPT_PROGRESS` (a long-running bot's memory
    stays bounded)."""
    while len(kept) > KEPT_PROGRESS:
        del kept[next(iter(kept))]
