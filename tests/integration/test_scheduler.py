"""The scheduler with the real APScheduler and job store: one per database, jobs survive a
restart, a missed period runs once, and a standby takes over when the holder stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.clock import SystemClock
from bot.scheduler import JOBS_TABLE, Scheduler, SchedulerSettings
from storage.database import Database

FAST = SchedulerSettings(sweep_seconds=1, misfire_grace_seconds=60, lock_seconds=3)


class Counter:
    """A sweep that only counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> int:
        self.calls += 1
        return 0


async def _until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_one_scheduler_per_database_and_a_standby_takes_over(
        database: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.scheduler")
    first_sweep, second_sweep = Counter(), Counter()
    first = Scheduler(database, first_sweep, FAST, SystemClock(), holder="first")
    second = Scheduler(database, second_sweep, FAST, SystemClock(), holder="second")
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    running_first = asyncio.create_task(first.run(stop_first))
    await _until(lambda: first.active and first_sweep.calls >= 2)
    running_second = asyncio.create_task(second.run(stop_second))
    await _until(lambda: "holds the lock on this database" in caplog.text)
    await asyncio.sleep(1.5)
    assert not second.active and second_sweep.calls == 0
    stop_first.set()
    await running_first
    # The holder let go: the standby takes over on its next try.
    await _until(lambda: second.active and second_sweep.calls >= 1, within=15)
    stop_second.set()
    await running_second
    with database.engine.connect() as conn:
        jobs = conn.execute(text(f"SELECT id FROM {JOBS_TABLE}")).all()
    assert [tuple(j) for j in jobs] == [("peerdesk-sweep",)]


async def test_the_stored_job_survives_a_restart_and_catches_up_once(
        database: Database, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.scheduler")
    sweep = Counter()
    scheduler = Scheduler(database, sweep, FAST, SystemClock(), holder="only")
    stop = asyncio.Event()
    running = asyncio.create_task(scheduler.run(stop))
    await _until(lambda: sweep.calls >= 1)
    stop.set()
    await running
    # Down for "three periods": the stored next run lies 3 s in the past.
    past = (datetime.now(UTC) - timedelta(seconds=3)).timestamp()
    with database.engine.begin() as conn:
        conn.execute(text(f"UPDATE {JOBS_TABLE} SET next_run_time = :t"), {"t": past})
    again = Counter()
    # The same period: the stored job is kept, with its missed run.
    restarted = Scheduler(database, again, FAST, SystemClock(), holder="only")
    stop = asyncio.Event()
    running = asyncio.create_task(restarted.run(stop))
    await _until(lambda: again.calls >= 1)
    await asyncio.sleep(0.3)
    assert again.calls == 1  # one catch-up, not three
    assert "resuming the stored sweep job" in caplog.text
    stop.set()
    await running


async def test_a_failing_sweep_is_logged_and_the_next_one_runs(
        database: Database, caplog: pytest.LogCaptureFixture) -> None:
    calls = 0

    async def failing() -> int:
        nonlocal calls
        calls += 1
        raise RuntimeError("boom")

    scheduler = Scheduler(database, failing, FAST, SystemClock(), holder="one")
    stop = asyncio.Event()
    running = asyncio.create_task(scheduler.run(stop))
    await _until(lambda: calls >= 2)
    stop.set()
    await running
    assert "the sweep failed" in caplog.text
