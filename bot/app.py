"""The composition root: builds the database, the help desk and the dispatcher from settings."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from bot.clock import SystemClock
from bot.config import Settings
from bot.desk_build import build_desk
from bot.desk_process import DeskProcess, Recipe
from bot.dispatcher import Channel, Dispatcher
from bot.intake import Intake
from bot.scheduler import Scheduler
from bot.translation.cache import DatabaseCache
from bot.translation.chain import build_translator
from bot.translation.detect import LinguaDetector
from bot.translation.provider import Provider
from bot.translation.service import TranslationService
from bot.translation.stage import RetryPolicy, TranslationStage
from bot.wakeups import Wakeups
from handlers.forms import Form
from handlers.home import HomePage
from handlers.messages import Inbound
from handlers.ports import Clock, JoinCodes
from handlers.roles import appoint_configured_coordinators
from handlers.service import HelpDesk
from storage.database import Database
from storage.migrate import upgrade
from storage.monitoring import nags_sent_since
from storage.outbox import OutboxQueue, release_orphaned_claims
from storage.platform_updates import forget_handled_updates
from storage.translating import TranslationQueue
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)
# How long the platforms' updates (what people sent, as the platform sent it) stay in the
# update journal once handled: long enough to look into a problem, no longer.
JOURNAL_KEPT = timedelta(days=7)


@dataclass
class App:
    """A running peerdesk: database, help desk and dispatcher, wired together."""

    database: Database
    desk: HelpDesk
    intake: Intake
    dispatcher: Dispatcher
    translator: TranslationService
    translation: TranslationStage
    scheduler: Scheduler | None = None
    # Raised when something was queued in the outbox: the translation and delivery loops wake
    # at once instead of at their next round.
    queued: Wakeups = field(default_factory=Wakeups)
    # When the update journal was last cleared of what was handled long ago (hourly).
    journal_pruned_at: datetime | None = None
    # Since start, read by the metrics: inbound messages handled, by platform; nags the
    # sweeps queued, by rule.
    inbound: Counter[str] = field(default_factory=Counter)
    nags_sent: Counter[str] = field(default_factory=Counter)

    async def receive(self, inbound: Inbound) -> None:
        """Handle one inbound message; returns once it and its outbox rows are committed."""
        await self.intake.receive(inbound)
        self.inbound[inbound.sender.platform] += 1
        self.queued.set()

    async def receive_all(self, inbounds: Sequence[Inbound]) -> list[BaseException | None]:
        """Handle several inbound messages in order (see ``Intake.receive_all``): each one's
        failure, or None once it and its outbox rows are committed."""
        return await self.hand_over(inbounds)

    def hand_over(self, inbounds: Sequence[Inbound]) -> Awaitable[list[BaseException | None]]:
        """Queue inbound messages for the help desk now, in order (see ``Intake.hand_over``);
        await the result for each one's failure, or None once it is committed."""
        return self._wake_after(inbounds, self.intake.hand_over(inbounds))

    async def _wake_after(self, inbounds: Sequence[Inbound],
                          handling: Awaitable[list[BaseException | None]],
                          ) -> list[BaseException | None]:
        outcomes = await handling
        self.queued.set()  # their replies wait in the outbox
        self.inbound.update(inbound.sender.platform
                            for inbound, outcome in zip(inbounds, outcomes, strict=False)
                            if outcome is None)
        return outcomes

    async def home(self, identity: str, prefix: str = "/", locale: str | None = None,
                   ) -> HomePage:
        """The home page of one platform identity (read only; see ``HelpDesk.home``)."""
        return await self.database.run(lambda: self.desk.home(identity, prefix, locale))
    async def words_for(self, identity: str, key: str) -> str:
        """One of the bot's phrases as this identity's member reads it (see
        ``HelpDesk.words_for``)."""
        return await self.database.run(partial(self.desk.words_for, identity, key))

    async def form(self, identity: str, command: str) -> Form | None:
        """The form of a command typed without arguments, in the person's language (None when
        it has none or is not for them: it then runs as usual)."""
        return await self.database.run(partial(self.desk.form, identity, command))

    async def submit_form(self, identity: str, command: str,
                          values: Mapping[str, str]) -> dict[str, str]:
        """Do what a submitted form asks; the errors per field (none once it is stored and
        its replies are queued)."""
        errors = await self.database.run(partial(self.desk.submit_form, identity, command,
                                                 dict(values)))
        self.inbound[identity.split(":", 1)[0]] += 1  # handled, stored or answered with errors
        if not errors:
            self.queued.set()
        return errors

    async def sweep(self) -> int:
        """Do what is due now (nags, reminders, scheduled broadcasts); how many messages that
        queued. The scheduler calls this; so does the console's ``:clock``."""
        since = self.desk.deps.clock.now()
        count = await self.database.run(self.desk.sweep)
        if count:
            self.queued.set()
            # What this sweep recorded (the nag record holds the last nag of each kind).
            self.nags_sent.update(await self.database.run(partial(
                nags_sent_since, self.database.engine, since)))
        now = self.desk.deps.clock.now()
        if self.journal_pruned_at is None or now - self.journal_pruned_at >= timedelta(hours=1):
            self.journal_pruned_at = now
            await self.database.run(partial(forget_handled_updates, self.database.engine,
                                            now - JOURNAL_KEPT))
        return count

    async def deliver(self, stop: asyncio.Event | None = None) -> int:
        """Translate what waits for translation, retry what is due, send everything now (once
        ``stop`` is set, only the sends under way are finished). The console and tests use
        this one step; ``peerdesk run`` runs :meth:`translate` and :meth:`send` side by side."""
        await self.translate()
        return await self.send(stop)

    async def translate(self) -> int:
        """Translate what waits for translation and retry the failed translations that are
        due; how many messages that made ready to send."""
        try:
            return await self.translation.run_once() + await self.translation.retry_once()
        except Exception:  # whatever waits for translation, the rest is still sent
            log.exception("translation round failed")
            return 0

    async def send(self, stop: asyncio.Event | None = None,
                   woken: asyncio.Event | None = None) -> int:
        """Send everything that may go now, at each platform's pace; ``woken``, raised while
        it sends, makes it look again for what was queued meanwhile."""
        return await self.dispatcher.drain(stop=stop, woken=woken)

    async def close(self) -> None:
        """Stop taking messages and release the translators and the database."""
        await self.intake.close()
        await self.translator.aclose()
        self.database.close()


async def build_app(settings: Settings, database_url: str, clock: Clock, codes: JoinCodes,
                    channels: dict[str, Channel],
                    providers: Sequence[Provider] | None = None,
                    invite_links: Mapping[str, str] | None = None) -> App:
    """Wire everything; migrate the database first (nothing happens at import time).

    ``providers`` replaces the translator chain the settings describe (tests, benchmarks).
    """
    if settings.storage.desk_process and not isinstance(clock, SystemClock):
        # A virtual clock (the console, tests) cannot be shared with another process.
        raise ValueError("the help desk runs in its own process on the system clock only")
    database = Database(database_url, settings.storage.sqlite_sync,
                        shared=settings.storage.desk_process)
    await database.run(lambda: upgrade(database.engine))
    await database.run(lambda: release_orphaned_claims(database.engine))
    desk = build_desk(settings, database.engine, clock, codes, invite_links or {})
    core = desk.deps.settings
    catalogue = desk.catalogue
    await database.run(lambda: appoint_configured_coordinators(
        SqlUnitOfWork(database.engine), core.coordinator_identities, clock.now()))
    claims = timedelta(seconds=settings.delivery.claim_seconds)
    outbox = OutboxQueue(database.engine, lease=claims, files_root=settings.storage.data_dir)
    dispatcher = Dispatcher(database, outbox, channels, clock, limits=settings.delivery.limits)
    translation = settings.translation
    translator = build_translator(translation, DatabaseCache(database, clock), providers)
    retry = RetryPolicy(enabled=translation.retry_failed,
                        first=timedelta(minutes=translation.retry_first_minutes),
                        attempts=translation.retry_attempts)
    stage = TranslationStage(database, TranslationQueue(database.engine, lease=claims),
                             translator,
                             LinguaDetector() if translation.detect_language else None,
                             catalogue, clock, retry)
    process = None
    if settings.storage.desk_process:
        process = DeskProcess(Recipe(settings, database_url, clock, codes,
                                     dict(invite_links or {})))
        await process.start()
    intake = Intake(database, desk, reachable=dispatcher.reachability.mark_reachable,
                    process=process)
    app = App(database=database, desk=desk, intake=intake,
              dispatcher=dispatcher, translator=translator, translation=stage)
    app.scheduler = Scheduler(database, app.sweep, settings.schedule.scheduler, clock)
    return app
