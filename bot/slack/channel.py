"""Sending outbox rows through Slack's Web API: escaped mrkdwn in section blocks, buttons as
Block Kit ``actions``, files with ``files_upload_v2``, and Slack's refusals as the dispatcher's
failure kinds.

Where a message goes: with no ``chat_id``, to the member's DM (identity ``slack:TEAM/USER``;
the DM is opened with conversations.open once and remembered); else to ``chat_id``, a
conversation id ("C…", "G…", "D…"), or ``CHANNEL:THREAD_TS`` for a reply in the thread under
that message ("C0TEAM:1800000000.000100"; neither part ever holds a colon). A message that
continues another one's conversation (the row's ``thread``: a reviewer's card, the thread a
person wrote in) goes in that message's thread, or on its own when that one is gone. The
Delivery is the conversation id (never the thread form: it is what Slack's events carry) and
the ``ts`` of the message holding the buttons (the last text message), so a reply in that
message's thread, whose ``thread_ts`` is that ts, finds its item.

A button's data travels in its ``value`` (at most 2,000 characters); its ``action_id`` is
``peerdesk:<row>:<column>`` (unique in the message, as Slack requires). Pressing it is
authorised by the core, as on Telegram. A message in several parts that fails part-way is
resumed from the first part not delivered, as on Telegram (progress kept in memory).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.dispatcher import Delivery, PermanentFailure, RetryLater, Unreachable
from bot.slack.text import SlackText, button_label, slack_messages
from handlers.messages import Attachment
from storage.outbox import QueuedMessage

log = logging.getLogger(__name__)

# Between the parts of one message to one conversation (Slack allows about one message a
# second per conversation; the dispatcher paces whole messages).
PART_PAUSE = 1.0
# Messages whose progress is kept, and DMs remembered.
KEPT = 10_000
VALUE_LIMIT = 2_000
ACTION_PREFIX = "peerdesk"
# Slack's refusals that mean this member cannot be reached.
UNREACHABLE = frozenset({"user_not_found", "user_disabled", "cannot_dm_bot"})
# Refusals of this message (or this conversation) that retrying will not change.
REFUSED = frozenset({"channel_not_found", "not_in_channel", "is_archived", "invalid_blocks",
                     "invalid_blocks_format", "msg_too_long", "no_text", "thread_not_found",
                     "restricted_action", "ekm_access_denied", "too_many_attachments",
                     "invalid_arguments", "file_not_found"})
DEFAULT_RETRY_AFTER = 1.0


@dataclass(slots=True)
class _Progress:
    """How far a message in several parts got, and where its last text message landed."""

    parts: int = 0
    last: Delivery | None = None
    file: str | None = None  # the first file's id


def actions(buttons: list[list[tuple[str, str]]]) -> list[dict[str, Any]]:
    """One ``actions`` block per row of buttons (none when there are no buttons)."""
    blocks: list[dict[str, Any]] = []
    for row_number, row in enumerate(buttons):
        elements = []
        for column, (label, data) in enumerate(row):
            if len(data) > VALUE_LIMIT:
                raise PermanentFailure(f"button data over {VALUE_LIMIT} characters")
            elements.append({"type": "button", "value": data,
                             "action_id": f"{ACTION_PREFIX}:{row_number}:{column}",
                             "text": {"type": "plain_text", "text": button_label(label),
                                      "emoji": True}})
        if elements:
            blocks.append({"type": "actions", "elements": elements})
    return blocks


def split_chat(chat_id: str) -> tuple[str, str | None]:
    """``CHANNEL`` or ``CHANNEL:THREAD_TS`` as (conversation, thread ts or None)."""
    channel, _, thread = chat_id.partition(":")
    return channel, thread or None


class SlackChannel:
    """The dispatcher's channel for Slack identities (one workspace, its bot token)."""

    def __init__(self, client: AsyncWebClient, part_pause: float = PART_PAUSE) -> None:
        self.client = client
        self.part_pause = part_pause
        self._dms: OrderedDict[str, str] = OrderedDict()  # user id → DM conversation id
        self._progress: OrderedDict[int, _Progress] = OrderedDict()

    async def send(self, message: QueuedMessage) -> Delivery:
        """Send one message; Slack's refusals become RetryLater, Unreachable or
        PermanentFailure; anything else (timeouts, 5xx, a bad token) is retried later."""
        try:
            channel, thread = await self._where(message)
            delivery = await self._continuing(channel, thread, message)
        except SlackApiError as exc:
            raise self._failure(exc, message) from exc
        if message.closes is not None:
            await self.close_buttons(delivery.chat_id, message.closes, message.closes_text)
        return delivery

    async def _continuing(self, channel: str, thread: str | None, message: QueuedMessage,
                          ) -> Delivery:
        """Send in the thread the chat names, else in the thread of the message this one
        continues (``message.thread``); when that message is gone (thread_not_found), on its
        own."""
        if thread is not None or message.thread is None:
            return await self._send(channel, thread, message)
        try:
            return await self._send(channel, message.thread, message)
        except SlackApiError as exc:
            if exc.response.get("error") != "thread_not_found" or message.id in self._progress:
                raise
            log.info("message %s: thread %s not found, sent on its own", message.id,
                     message.thread)
            return await self._send(channel, None, message)

    def is_group(self, chat_id: str) -> bool:
        """Channels ("C…", private ones "G…") are groups; DMs ("D…") are private."""
        return chat_id.startswith(("C", "G"))

    async def _where(self, message: QueuedMessage) -> tuple[str, str | None]:
        if message.chat_id:
            return split_chat(message.chat_id)
        user = message.identity.partition(":")[2].rpartition("/")[2]
        known = self._dms.get(user)
        if known is None:
            opened = await self.client.conversations_open(users=user)
            known = str(opened["channel"]["id"])
            _remember(self._dms, user, known)
        return known, None

    def _failure(self, exc: SlackApiError, message: QueuedMessage) -> Exception:
        """The dispatcher's failure kind for a Slack refusal."""
        response = exc.response
        error = str(response.get("error", ""))
        if response.status_code == 429 or error == "ratelimited":
            header = response.headers.get("Retry-After") or response.headers.get("retry-after")
            try:
                wait = float(header) if header is not None else DEFAULT_RETRY_AFTER
            except ValueError:
                wait = DEFAULT_RETRY_AFTER
            return RetryLater(wait, f"slack: {error or 'ratelimited'}")
        private = not message.chat_id or message.chat_id.startswith("D")
        if error in UNREACHABLE or (private and error == "is_archived"):
            return Unreachable(f"slack: {error}")
        if error in REFUSED:
            return PermanentFailure(f"slack: {error}")
        return exc  # a 5xx, a bad token, something new: retried with back-off

    async def _send(self, channel: str, thread: str | None, message: QueuedMessage,
                    ) -> Delivery:
        """Send the parts not yet delivered, in order: the text messages (buttons on the
        last), then the files, a pause apart; returns where the last text message landed."""
        texts = slack_messages(message.text)
        if message.attachments and not message.text.strip():
            texts = []
        buttons = actions(message.buttons)
        progress = self._progress.pop(message.id, None) or _Progress()
        first, parts = progress.parts + 1, len(texts) + len(message.attachments)
        try:
            for number in range(first, parts + 1):
                if number > first:  # the dispatcher paced the first
                    await asyncio.sleep(self.part_pause)
                if number <= len(texts):
                    progress.last = await self._post(channel, thread, texts[number - 1],
                                                     buttons if number == len(texts) else [])
                else:
                    file_id = await self._upload(channel, thread,
                                                 message.attachments[number - len(texts) - 1])
                    progress.file = progress.file or file_id
                progress.parts = number
        except BaseException:
            if progress.parts:
                _remember(self._progress, message.id, progress)
            raise
        # A message of files only: where the first file went (Slack tells no ts for it).
        return progress.last or Delivery(chat_id=channel, message_id=progress.file or "")

    async def _post(self, channel: str, thread: str | None, shown: SlackText,
                    buttons: list[dict[str, Any]]) -> Delivery:
        answer = await self.client.chat_postMessage(
            channel=channel, text=shown.text, blocks=shown.blocks() + buttons,
            thread_ts=thread, unfurl_links=False, unfurl_media=False)
        return Delivery(chat_id=str(answer["channel"]), message_id=str(answer["ts"]))

    async def _upload(self, channel: str, thread: str | None, attachment: Attachment) -> str:
        """Upload one file from the file store into the conversation; returns its file id."""
        content = await asyncio.to_thread(Path(attachment.location or "").read_bytes)
        done = await self.client.files_upload_v2(channel=channel, content=content,
                                          filename=attachment.filename,
                                          title=attachment.filename, thread_ts=thread)
        return str(done["file"]["id"])

    async def close_buttons(self, channel: str, ts: str, sent_text: str | None = None) -> None:
        """Take the buttons off an answered message, keeping its text. The answer is already
        sent, so a refusal is only logged: raising would send the answer twice. The text shown
        again is rebuilt from ``sent_text``, the outbox text of that message (its last Slack
        message holds the buttons); without it the message is read back with
        conversations.history (a message inside a thread is not found that way: its buttons
        stay)."""
        try:
            kept = await self._without_buttons(channel, ts, sent_text)
            if kept is None:
                log.info("message %s in %s has no buttons to take off", ts, channel)
                return
            await self.client.chat_update(channel=channel, ts=ts, text=kept[0], blocks=kept[1])
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.info("could not take the buttons off message %s in %s: %r", ts, channel, exc)

    async def _without_buttons(self, channel: str, ts: str, sent_text: str | None,
                               ) -> tuple[str, list[dict[str, Any]]] | None:
        """A message's text and blocks without its actions (None: no buttons, or not found)."""
        if sent_text is not None and sent_text.strip():
            shown = slack_messages(sent_text)[-1]
            return shown.text, shown.blocks()
        answer = await self.client.conversations_history(channel=channel, latest=ts, oldest=ts,
                                                         inclusive=True, limit=1)
        for found in answer.get("messages") or []:
            if found.get("ts") == ts:
                blocks = list(found.get("blocks") or [])
                kept = [block for block in blocks if block.get("type") != "actions"]
                return (str(found.get("text", "")), kept) if len(kept) < len(blocks) else None
        return None


def _remember(kept: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    """Keep ``value`` under ``key``, forgetting the oldest beyond :data:`KEPT`."""
    kept[key] = value
    kept.move_to_end(key)
    while len(kept) > KEPT:
        kept.popitem(last=False)
