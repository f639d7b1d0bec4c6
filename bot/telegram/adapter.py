"""The Telegram adapter: python-telegram-bot's Application receives updates (long polling) and
hands each to the help desk as one inbound message.

Nothing lost, nothing twice: each update is recorded in the journal before it is handled (a
repeat is ignored), marked handled in the same transaction as its handling, and one recorded
but not handled when the process stopped is handled at the next start. Polling never drops
pending updates. A document is fetched only after its size is checked. A second poller on the
same token makes Telegram answer "Conflict"; then this one stops and says why.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.error import Conflict, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.app import App
from bot.telegram.menus import publish_menus
from bot.telegram.updates import BotIdentity, Incoming, incoming
from handlers.messages import Inbound
from handlers.ports import Clock
from storage.platform_updates import UpdateJournal

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
# The updates the help desk uses (the rest are never fetched).
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


class TelegramAdapter:
    """Feeds Telegram updates to the help desk until stopped."""

    def __init__(self, app: App, application: AnyApplication, journal: UpdateJournal,
                 incoming_dir: Path, max_bytes: int, clock: Clock) -> None:
        self.app = app
        self.application = application
        self.journal = journal
        self.incoming_dir = incoming_dir
        self.max_bytes = max_bytes
        self.clock = clock
        self.identity: BotIdentity | None = None
        self.conflict = asyncio.Event()

    async def start(self) -> None:
        """Say who the bot is, handle what a previous run left unfinished, start polling."""
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
            log.info("telegram: handling update %s left unfinished", update.update_id)
            await self._handle(update)
        application.add_handler(TypeHandler(Update, self._on_update))
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES,
                                                drop_pending_updates=False,
                                                error_callback=self._polling_error)

    async def stop(self) -> None:
        """Stop polling and release python-telegram-bot's resources."""
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()

    def _polling_error(self, error: TelegramError) -> None:
        if isinstance(error, Conflict):
            if not self.conflict.is_set():
                log.error("telegram: another process is polling with this bot's token "
                          "(Telegram says: %s); stop it, or use webhook mode, then start "
                          "peerdesk again", error)
            self.conflict.set()
        else:
            log.warning("telegram: polling failed, trying again: %s", error)

    async def _on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update):
            return
        now = self.clock.now()
        payload = update.to_dict()
        fresh = await self.app.database.run(
            lambda: self.journal.record(update.update_id, payload, now))
        if not fresh:
            log.info("telegram: update %s came again; ignored", update.update_id)
            return
        await self._handle(update)

    async def _handle(self, update: Update) -> None:
        """Hand one recorded update to the help desk (or mark it handled if it is nothing)."""
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
            return
        inbound = replace(found.inbound, receipt=update.update_id)
        if found.file is not None:
            inbound = await self._fetch(found, update.update_id)
        await self.app.receive(inbound)

    async def _fetch(self, found: Incoming, update_id: int) -> Inbound:
        """The inbound message with its document downloaded, unless it is too big."""
        inbound = replace(found.inbound, receipt=update_id)
        file = found.file
        assert file is not None and inbound.attachment is not None
        if file.size is not None and file.size > self.max_bytes:
            return inbound  # the help desk refuses it by its size, with the limit
        telegram_file = await self.application.bot.get_file(file.file_id)
        path = self.incoming_dir / f"telegram-{update_id}"
        await asyncio.to_thread(self.incoming_dir.mkdir, parents=True, exist_ok=True)
        await telegram_file.download_to_drive(path)
        size = await asyncio.to_thread(lambda: path.stat().st_size)
        return replace(inbound, attachment=replace(inbound.attachment, location=str(path),
                                                   size=size))
