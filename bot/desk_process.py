"""The help desk in a second process of its own (``[storage] desk_process = true``).

Handling a message is pure Python plus SQLAlchemy: on one interpreter it competes, for the one
GIL, with the adapters that parse, acknowledge and deliver. With this option the adapters' process
hands each group of inbound messages (pickled: they are frozen dataclasses) to one worker process
that built its own help desk exactly as ``build_app`` builds the in-process one, on the same
database; it handles them as :meth:`HelpDesk.handle_batch` always does — one transaction, each
message atomic, marked handled in the platform's journal in that same transaction — and only
then does the caller learn they are stored.

One worker handles the groups one after the other, in the order they were handed over, which
keeps the order; ``Intake`` hands over the next group while the worker handles one, so that the
trip between the processes is not waited for. On SQLite both processes write: they take turns
through a lock file (storage/writer_lock.py) rather than SQLite's sleep-and-retry. If the worker
dies, the groups it held fail (their messages stay unhandled in the journal, handled at the next
start, as after a crash), and the next group starts a fresh worker.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Awaitable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import timedelta
from multiprocessing.connection import wait

from sqlalchemy.engine import Engine

from bot.collector import settle_after_start
from bot.config import Settings
from bot.inbound_wire import pack, unpack
from handlers.catalogue import Catalogue
from handlers.messages import Inbound
from handlers.ports import Clock, JoinCodes
from handlers.service import HelpDesk
from handlers.timezones import TimeZones
from handlers.turn import CoreSettings, Deps
from storage.database import build_engine
from storage.delivery import Reachability
from storage.files import DiskFileStore
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


def core_settings(settings: Settings) -> CoreSettings:
    """The part of the settings the use cases need."""
    helpdesk = settings.helpdesk
    return CoreSettings(require_team_approval=helpdesk.require_team_approval,
                        coordinator_identities=frozenset(helpdesk.coordinators),
                        default_language=helpdesk.default_language,
                        default_timezone=helpdesk.default_timezone,
                        question_timeout=timedelta(hours=helpdesk.question_timeout_hours),
                        max_upload_bytes=settings.deliverables.max_size_mb * 1024 * 1024,
                        allowed_kinds=frozenset(settings.deliverables.allowed_types),
                        reviewers_per_deliverable=settings.deliverables.reviewers_per_deliverable,
                        followups=settings.schedule.followups,
                        event_reminder_hours=settings.schedule.event_reminder_hours,
                        broadcast_progress_percent=settings.schedule.broadcast_progress_percent)


def build_desk(settings: Settings, engine: Engine, clock: Clock, codes: JoinCodes,
               invite_links: Mapping[str, str]) -> HelpDesk:
    """The help desk on a database engine: the one way both processes build it."""
    core = replace(core_settings(settings), invite_links=dict(invite_links))
    # Slack takes every message starting with "/" as its own command: there, the bot's texts
    # name its commands as typed after the slash command ("/peerdesk tasks").
    catalogue = Catalogue.load().with_command_prefix("slack", settings.slack_app.command + " ")
    return HelpDesk(unit_of_work=lambda: SqlUnitOfWork(engine),
                    catalogue=catalogue,
                    deps=Deps(settings=core, clock=clock, codes=codes, zones=TimeZones.load(),
                              files=DiskFileStore(settings.storage.data_dir)))


@dataclass(frozen=True, slots=True)
class Recipe:
    """What the worker needs to build its help desk (sent to it pickled, once)."""

    settings: Settings
    database_url: str
    clock: Clock
    codes: JoinCodes
    invite_links: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Worker:
    """The worker process's help desk and what ``Intake`` does before each group."""

    desk: HelpDesk
    reachability: Reachability

    def handle(self, inbounds: Sequence[Inbound]) -> None:
        self.reachability.mark_reachable([inbound.sender.identity for inbound in inbounds])
        self.desk.handle_batch(inbounds)


# Set only inside the worker process, by its initializer (a process pool passes no state from
# its initializer to the calls otherwise); the adapters' process never touches it.
_WORKER: list[_Worker] = []


def _start_worker(recipe: Recipe) -> None:
    """The worker's initializer: build the help desk (no migration: the parent did it)."""
    # Ctrl-C reaches the whole process group: the parent stops the worker in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=recipe.settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s [desk]: %(message)s")
    parent = multiprocessing.parent_process()
    if parent is not None:  # killed with it: nothing outlives the command
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True,
                         name="desk-parent").start()
    engine = build_engine(recipe.database_url, recipe.settings.storage.sqlite_sync, shared=True)
    desk = build_desk(recipe.settings, engine, recipe.clock, recipe.codes, recipe.invite_links)
    _WORKER.append(_Worker(desk, Reachability(engine)))
    settle_after_start()  # a server process too: its collector set as `peerdesk run` sets it


def _exit_with(parent_sentinel: int) -> None:
    """Run in the worker: end it as soon as the adapters' process has ended, however it ended
    (``kill -9`` included; a group not committed yet stays in the journal, as after a crash)."""
    wait([parent_sentinel])
    os._exit(1)


def _ready() -> int:
    """Run in the worker: its process id, once its help desk is built."""
    return os.getpid()


def _handle_in_worker(packed: bytes) -> None:
    """Run in the worker: handle one group of messages (packed by bot/inbound_wire.py), one
    transaction."""
    _WORKER[0].handle(unpack(packed))


class DeskProcess:
    """The help desk's worker process, seen from the adapters' process."""

    def __init__(self, recipe: Recipe) -> None:
        self.recipe = recipe
        self._pool: ProcessPoolExecutor | None = None

    async def start(self) -> None:
        """Start the worker and wait until its help desk is built."""
        await self.worker_pid()

    async def worker_pid(self) -> int:
        """The worker's process id (started if need be, once its help desk is built)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._ready_pool(), _ready)

    async def handle(self, inbounds: list[Inbound]) -> None:
        """Handle one group in the worker; returns once it is committed (raises if it was
        not: the worker's exception, or ``BrokenProcessPool`` when the worker died)."""
        await self.submit(inbounds)

    def submit(self, inbounds: list[Inbound]) -> Awaitable[None]:
        """Hand one group to the worker now (it handles them in the order handed); what it
        returns is awaited as :meth:`handle`."""
        loop = asyncio.get_running_loop()
        pool = self._ready_pool()
        packed = pack(inbounds)
        try:
            handled = loop.run_in_executor(pool, _handle_in_worker, packed)
        except BrokenProcessPool:  # it died while idle: this group never reached it
            self._discard(pool)
            log.warning("the help desk's process had stopped; starting a new one")
            pool = self._ready_pool()
            handled = loop.run_in_executor(pool, _handle_in_worker, packed)
        return self._outcome(pool, handled, len(inbounds))

    async def _outcome(self, pool: ProcessPoolExecutor, handled: Awaitable[None],
                       count: int) -> None:
        try:
            await handled
        except BrokenProcessPool:
            self._discard(pool)
            log.error("the help desk's process died while handling %d message(s); they wait "
                      "in the journal for the next start, and a new process takes the next "
                      "ones", count)
            raise

    def _ready_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(self.recipe,))
        return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    async def close(self) -> None:
        """Let the group under way finish, then stop the worker."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True)
