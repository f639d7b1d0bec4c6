"""The scheduler: APScheduler runs one periodic sweep, in one process per database.

The sweep (``App.sweep``) queries what is due and writes outbox rows; it never sends. Its job is
kept in APScheduler's SQLAlchemy job store on the product's database, so it survives restarts:
with coalescing, a bot that was down over several periods runs one catch-up sweep, and the
sweep itself sends each nag at most once a day. Only the process holding the database's
scheduler lock (:mod:`storage.scheduler_lock`) runs it; the others say so in the log and try
again now and then, so a standby takes over when the holder stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import ClassVar

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from handlers.ports import Clock
from storage.database import Database, is_sqlite
from storage.scheduler_lock import SchedulerLock, process_holder, scheduler_lock

log = logging.getLogger(__name__)

JOB_ID = "peerdesk-sweep"
JOBS_TABLE = "scheduler_jobs"


@dataclass(frozen=True, slots=True)
class SchedulerSettings:
    """How often the sweep runs, how late a missed one may still run, and the lock's lease."""

    sweep_seconds: int = 60
    misfire_grace_seconds: int = 3600
    lock_seconds: int = 180


def holder_name() -> str:
    """How this process is named in the lock row and the log."""
    return process_holder()


async def run_sweep(name: str) -> None:
    """The stored job: sweep through the scheduler running under ``name`` in this process.

    APScheduler keeps jobs by the import path of their function, so the running scheduler is
    looked up by name rather than stored.
    """
    scheduler = Scheduler.running.get(name)
    if scheduler is None:
        log.warning("scheduler %s is not running in this process; sweep skipped", name)
        return
    await scheduler.sweep_now()


class Scheduler:
    """Holds the database's scheduler lock and, while it does, runs APScheduler."""

    # The schedulers running in this process, by name (see run_sweep).
    running: ClassVar[dict[str, Scheduler]] = {}

    def __init__(self, database: Database, sweep: Callable[[], Awaitable[int]],
                 settings: SchedulerSettings, clock: Clock, holder: str | None = None) -> None:
        self.database = database
        self.sweep = sweep
        self.settings = settings
        self.clock = clock
        self.holder = holder or holder_name()
        url = make_url(database.url)
        self.name = f"{url.get_backend_name()}:{url.host or ''}:{url.database or ''}"
        self.lock: SchedulerLock = scheduler_lock(
            database.engine, database.url, self.holder,
            timedelta(seconds=settings.lock_seconds))
        self._aps: AsyncIOScheduler | None = None
        self._jobs_engine: Engine | None = None
        self.sweeps = 0
        #: When the last sweep of this process ended well (read by the metrics).
        self.last_sweep_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether this process holds the lock and runs the sweep."""
        return self._aps is not None

    async def sweep_now(self) -> None:
        """One sweep; a failure is logged and the next period tries again."""
        try:
            queued = await self.sweep()
        except Exception:
            log.exception("the sweep failed; the next one tries again")
            return
        self.sweeps += 1
        self.last_sweep_at = self.clock.now()
        if queued:
            log.info("sweep queued %d message(s)", queued)

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``: take (and keep renewing) the lock; run APScheduler while held."""
        renew = max(1.0, self.settings.lock_seconds / 3)
        told = False
        try:
            while not stop.is_set():
                try:
                    state = await self.database.run(partial(self.lock.acquire,
                                                            self.clock.now()))
                except Exception:
                    log.exception("could not reach the scheduler lock; trying again")
                    state = None
                if state is not None and state.held and not self.active:
                    try:
                        self._start()
                    except Exception:
                        log.exception("scheduler: could not start; trying again")
                        self._stop()
                    told = False
                elif state is not None and not state.held:
                    if self.active:
                        log.warning("scheduler: lost the lock to %s; stopping here",
                                    state.holder or "another instance")
                        self._stop()
                    if not told:
                        log.warning(
                            "scheduler: another instance (%s%s) holds the lock on this "
                            "database, so this one does not schedule; trying again every %d s",
                            state.holder or "holder unknown",
                            f", until {state.until:%Y-%m-%d %H:%M:%S} UTC" if state.until
                            else "", renew)
                        told = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=renew)
        finally:
            self._stop()
            with contextlib.suppress(Exception):
                await self.database.run(self.lock.release)

    def _start(self) -> None:
        """Start APScheduler with the stored sweep job (added the first time, kept after)."""
        # An engine of its own: the job store disposes of its engine when it shuts down, and
        # its few statements run on the event loop, so on SQLite they must not wait behind the
        # help desk's immediate write transactions (a plain engine, a short busy timeout).
        if is_sqlite(self.database.url):
            engine = create_engine(self.database.url, connect_args={"timeout": 5})
        else:
            engine = create_engine(self.database.url, pool_size=1, max_overflow=1,
                                   pool_pre_ping=True)
        self._jobs_engine = engine
        grace = self.settings.misfire_grace_seconds
        aps = AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
            timezone=UTC)
        Scheduler.running[self.name] = self
        self._aps = aps
        aps.start()
        job = aps.get_job(JOB_ID)
        if job is None or getattr(job.trigger, "interval", None) != timedelta(
                seconds=self.settings.sweep_seconds) or job.args != (self.name,):
            # First start, or the period changed: (re)write the job; it runs at once.
            aps.add_job(run_sweep, "interval", seconds=self.settings.sweep_seconds,
                        args=[self.name], id=JOB_ID, replace_existing=True,
                        next_run_time=datetime.now(UTC), coalesce=True, max_instances=1,
                        misfire_grace_time=grace)
        else:
            log.info("scheduler: resuming the stored sweep job (due %s)", job.next_run_time)
        log.info("scheduler: this process (%s) holds the lock; sweeping every %d s",
                 self.holder, self.settings.sweep_seconds)

    def _stop(self) -> None:
        aps, self._aps = self._aps, None
        if aps is not None and aps.running:
            aps.shutdown(wait=False)
        if Scheduler.running.get(self.name) is self:
            del Scheduler.running[self.name]
        engine, self._jobs_engine = self._jobs_engine, None
        if engine is not None:
            engine.dispose()
