"""The Telegram adapter: updates from long polling or from a webhook, each handed to the help
desk as one inbound message.

Nothing lost, nothing twice. Both ways in go through :meth:`TelegramAdapter.accept`, which
records updates in the journal (one transaction) before Telegram is told they arrived — before
the next ``getUpdates`` confirms them, or before the webhook answers 200 — and then queues the
new ones for the one task that handles them, in order. python-telegram-bot's own Updater and
``run_webhook`` confirm updates as soon as they are queued in memory, which a crash would lose,
so neither is used. A repeated update is ignored; each is marked handled in the same transaction
as its handling; one recorded but not handled when the process stopped is handled at the next
start. Pending updates are never dropped. A document is fetched only after its size is checked.
A second poller on the same token makes Telegram answer "Conflict": this one then stops and
says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from telegram import ChatMember, Update
from telegram.error import Conflict, TelegramError
from telegram.ext import Application

from bot.app import App
from bot.retry_later import RetryLater
from bot.telegram.menus import publish_menus
from bot.telegram.updates import BotIdentity, Incoming, incoming
from bot.telegram.webhook import WebhookServer, WebhookUnavailable
from bot.webhook_settings import WebhookSettings
from handlers.messages import Inbound
from handlers.ports import Clock
from storage.platform_updates import UpdateJournal

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
# The updates the help desk uses (the rest are never fetched).
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
# Long polling: how long Telegram holds a getUpdates open when there is nothing new.
POLL_SECONDS = 25
# After a failed getUpdates, wait this long before the next, doubling up to the longest.
FIRST_PAUSE, LONGEST_PAUSE = 1.0, 60.0
# At most this many queued updates are handed to the help desk together (one transaction,
# each update atomic within it): under load, a commit serves many updates.
HANDLED_TOGETHER = 64


class TelegramAdapter:
    """Feeds Telegram updates to the help desk until stopped: by long polling, or through a
    webhook when ``webhook`` is given (with the secret token Telegram must send back)."""

    def __init__(self, app: App, application: AnyApplication, journal: UpdateJournal,
                 incoming_dir: Path, max_bytes: int, clock: Clock,
                 poll_seconds: int = POLL_SECONDS, webhook: WebhookSettings | None = None,
                 secret_token: str = "") -> None:
        self.app = app
        self.application = application
        self.journal = journal
        self.incoming_dir = incoming_dir
        self.max_bytes = max_bytes
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.webhook = webhook
        self._secret_token = secret_token
        self.identity: BotIdentity | None = None
        self.conflict = asyncio.Event()
        self.server: WebhookServer | None = None
        if webhook is not None:
            self.server = WebhookServer(self.accept, application.bot, secret_token,
                                        webhook.listen, webhook.port, webhook.path)
        self._queue: asyncio.Queue[Update] = asyncio.Queue()
        # An update whose handling failed is tried again a little later.
        self.retry = RetryLater[Update](self._queue.put_nowait, what="telegram: update")
        self._worker: asyncio.Task[None] | None = None
        self._polling: asyncio.Task[None] | None = None
        self._stopping = False
        self._handling = False
        # Whether the last call to Telegram in polling mode went through (see healthy).
        self._reached = False

    async def start(self) -> None:
        """Say who the bot is, set the menus, queue what a previous run left unfinished, and
        start receiving: the webhook server and ``setWebhook``, or ``deleteWebhook`` (polling
        and a webhook exclude each other; the pending updates are kept) and polling."""
        application = self.application
        await application.initialize()
        me = application.bot.bot
        self.identity = BotIdentity(me.id, me.username or "")
        try:
            await publish_menus(application.bot, self.app.desk.catalogue)
        except TelegramError as exc:  # the menus are a convenience; the bot works without
            log.warning("telegram: could not set the command menus: %s", exc)
        for payload in await self.app.database.run(self.journal.unfinished):
            update = Update.de_json(payload, application.bot)
            log.info("telegram: update %s was left unfinished; handling it", update.update_id)
            self._queue.put_nowait(update)
        self._worker = asyncio.create_task(self._work(), name="telegram-updates")
        if self.server is not None and self.webhook is not None:
            await self._start_webhook(self.server, self.webhook)
            return
        await application.bot.delete_webhook(drop_pending_updates=False)
        self._reached = True
        self._polling = asyncio.create_task(self._poll(), name="telegram-polling")

    @property
    def healthy(self) -> bool:
        """Whether updates reach this process now: the webhook's server listens, or polling
        runs and its last ``getUpdates`` went through (a long poll in progress keeps the
        state of the one before; one that fails or hangs past its timeout clears it)."""
        if self.server is not None:
            return self.server.listening
        polling = self._polling
        return polling is not None and not polling.done() and self._reached

    async def _start_webhook(self, server: WebhookServer, webhook: WebhookSettings) -> None:
        """Listen first, then tell Telegram where to post (with the secret token)."""
        try:
            await server.start()
        except OSError as exc:
            raise WebhookUnavailable(
                f"cannot listen on {webhook.local_address} for the Telegram webhook "
                f"({exc.strerror or exc}); set [telegram] webhook_listen and webhook_port"
            ) from exc
        try:
            await self.application.bot.set_webhook(
                webhook.url, secret_token=self._secret_token, allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False)
        except TelegramError as exc:
            raise WebhookUnavailable(f"Telegram refused the webhook {webhook.url} ({exc}); "
                                     "check [telegram] webhook_url") from exc

    async def stop(self) -> None:
        """Stop receiving and release the bot. Webhook requests under way finish recording;
        the update being handled is finished; the others recorded stay in the journal, to be
        handled at the next start. The webhook stays set: Telegram keeps the updates that
        arrive meanwhile and posts them once the server answers again."""
        self._stopping = True
        self.retry.stop()  # what waits stays in the journal: handled at the next start
        if self.server is not None:
            await self.server.stop()
        polling, self._polling = self._polling, None
        if polling is not None:
            polling.cancel()  # waiting on Telegram, the journal or the handler: nothing half-done
            with contextlib.suppress(asyncio.CancelledError):
                await polling
        worker, self._worker = self._worker, None
        if worker is not None:
            if not self._handling:
                worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        await self.application.shutdown()

    async def accept(self, updates: Sequence[Update]) -> set[int]:
        """Record ``updates`` in the journal (one transaction) and queue the new ones for
        handling, in order; the ids of the new ones (the others are repeats, ignored). Once
        this returns they are safe: Telegram may be told they arrived."""
        if not updates:
            return set()
        batch = [(update.update_id, update.to_dict()) for update in updates]
        fresh = await self.app.database.run(
            partial(self.journal.record_many, batch, self.clock.now()))
        queued: set[int] = set()
        for update in sorted(updates, key=lambda update: update.update_id):
            if update.update_id in fresh and update.update_id not in queued:
                queued.add(update.update_id)
                self._queue.put_nowait(update)
            else:
                log.info("telegram: update %s came again; ignored", update.update_id)
        return fresh

    async def _work(self) -> None:
        """Handle the queued updates, those waiting together, until stopped (after the ones
        under way)."""
        while not self._stopping:
            batch = [await self._queue.get()]
            while len(batch) < HANDLED_TOGETHER and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            if self._stopping:  # queued while stopping: recorded, handled at the next start
                return
            self._handling = True
            try:
                await self._handle_all(batch)
            finally:
                self._handling = False
                for _update in batch:
                    self._queue.task_done()

    async def _poll(self) -> None:
        bot = self.application.bot
        last = await self.app.database.run(self.journal.last_update_id)
        offset = last + 1 if last is not None else None
        pause = FIRST_PAUSE
        while not self._stopping:
            try:
                updates = await bot.get_updates(offset=offset, timeout=self.poll_seconds,
                                                allowed_updates=ALLOWED_UPDATES,
                                                read_timeout=self.poll_seconds + 10)
            except Conflict as exc:
                log.error("telegram: another process is polling with this bot's token, or a "
                          "webhook is set (Telegram says: %s); stop it, then start peerdesk "
                          "again", exc)
                self.conflict.set()
                return
            except TelegramError as exc:
                self._reached = False
                log.warning("telegram: getUpdates failed (%s); trying again in %.0f s",
                            exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE)
                continue
            pause = FIRST_PAUSE
            self._reached = True
            if not updates:
                continue
            await self.accept(updates)
            offset = max(update.update_id for update in updates) + 1  # now safely recorded
            await self._queue.join()  # fetch more once these are handled

    async def _handle_all(self, updates: Sequence[Update]) -> None:
        """Prepare each update in order (answer its button, fetch its file), then hand them to
        the help desk together, in that order. A failure is logged and leaves its update in
        the journal; it is tried again a little later (see bot/retry_later.py), then at the next
        start."""
        ready: list[tuple[Update, Inbound]] = []
        for update in updates:
            try:
                inbound = await self._prepare(update)
            except Exception:
                log.exception("telegram: update %s could not be read", update.update_id)
                self.retry.failed(update.update_id, update)
                continue
            if inbound is not None:
                ready.append((update, inbound))
        outcomes = await asyncio.gather(*(self.app.receive(inbound) for _u, inbound in ready),
                                        return_exceptions=True)
        for (update, _inbound), outcome in zip(ready, outcomes, strict=True):
            if isinstance(outcome, Exception):
                log.error("telegram: update %s could not be handled", update.update_id,
                          exc_info=outcome)
                self.retry.failed(update.update_id, update)
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                self.retry.succeeded(update.update_id)

    async def _prepare(self, update: Update) -> Inbound | None:
        """The inbound message a recorded update carries, ready for the help desk (None: it
        carries nothing, and is marked handled)."""
        assert self.identity is not None
        found = incoming(update, self.identity)
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()  # stop the button's spinner
            except TelegramError as exc:
                log.info("telegram: could not answer a button press: %s", exc)
        if found is None:
            now = self.clock.now()
            await self.app.database.run(lambda: self.journal.finish(update.update_id, now))
            return None
        inbound = replace(found.inbound, receipt=update.update_id)
        if found.file is not None:
            inbound = await self._fetch(found, inbound)
        if not inbound.chat.is_private and inbound.addressed and inbound.text.startswith("/"):
            inbound = replace(inbound, sender_admin=await self._administers(inbound))
        return inbound

    async def _administers(self, inbound: Inbound) -> bool | None:
        """Whether the sender of a group command administers the group (None when Telegram
        could not say)."""
        user = inbound.sender.identity.split(":", 1)[1]
        try:
            member = await self.application.bot.get_chat_member(int(inbound.chat.chat_id),
                                                                int(user))
        except (TelegramError, ValueError) as exc:
            log.info("telegram: could not check who administers %s: %s", inbound.chat.chat_id,
                     exc)
            return None
        return member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR)

    async def _fetch(self, found: Incoming, inbound: Inbound) -> Inbound:
        """The inbound message with its document downloaded — unless it is too big, or cannot
        be fetched (then the help desk says it could not read the file)."""
        file = found.file
        assert file is not None and inbound.attachment is not None
        if file.size is not None and file.size > self.max_bytes:
            return inbound  # the help desk refuses it by its size, with the limit
        path = self.incoming_dir / f"telegram-{inbound.receipt}"
        try:
            telegram_file = await self.application.bot.get_file(file.file_id)
            content = bytes(await telegram_file.download_as_bytearray())
            await asyncio.to_thread(self.incoming_dir.mkdir, parents=True, exist_ok=True)
            await asyncio.to_thread(path.write_bytes, content)
        except (TelegramError, OSError) as exc:
            log.warning("telegram: could not fetch %s: %s", file.name, exc)
            return inbound
        return replace(inbound, attachment=replace(inbound.attachment, location=str(path),
                                                   size=len(content)))
