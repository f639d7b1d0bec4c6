"""The SQLite scheduler lock after a crash: a holder that was a process of this machine and no
longer runs loses the lock at once; a live or unknown holder keeps it until its lease ends."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import Database
from storage.migrate import upgrade
from storage.scheduler_lock import PostgresLock, SqliteLock, this_machine


def _dead_pid() -> int:
    """The id of a process of this machine that has ended (and was reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_crashed_holder_of_this_machine_loses_the_lock_at_once(tmp_path: Path) -> None:
    # SQLite only: PostgreSQL's advisory lock goes with its connection, nothing to wait out.
    database = Database(f"sqlite:///{tmp_path / 'peerdesk.db'}")
    upgrade(database.engine)
    try:
        _crashed_holder(database)
    finally:
        database.close()


def _crashed_holder(database: Database) -> None:
    now = datetime.now(UTC)
    lease = timedelta(minutes=3)
    host = this_machine()
    dead = SqliteLock(database.engine, f"{host}:{_dead_pid()}", lease)
    assert dead.acquire(now).held
    restarted = SqliteLock(database.engine, f"{host}:{os.getpid()}", lease)
    assert restarted.acquire(now + timedelta(seconds=1)).held

    # A holder still running here, or on another machine, keeps its lease.
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        running = SqliteLock(database.engine, f"{host}:{alive.pid}", lease)
        restarted.release()
        assert running.acquire(now).held
        state = restarted.acquire(now + timedelta(seconds=1))
        assert not state.held and state.holder == f"{host}:{alive.pid}"
    finally:
        alive.kill()
        alive.wait()
    running.release()
    elsewhere = SqliteLock(database.engine, f"another-host~1:{_dead_pid()}", lease)
    assert elsewhere.acquire(now).held
    assert not restarted.acquire(now + timedelta(seconds=1)).held
    assert restarted.acquire(now + lease + timedelta(seconds=1)).held


def test_the_postgresql_lock_is_freed_when_its_process_dies(database: Database) -> None:
    """One holder at a time; its session keeps TCP keepalives short, so the server frees the
    lock soon even when the holder's machine vanishes; closing the session frees it at once."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's")
    now = datetime.now(UTC)
    first, second = PostgresLock(database.engine), PostgresLock(database.engine)
    assert first.acquire(now).held
    assert first._connection is not None
    assert first._connection.execute(text("SHOW tcp_keepalives_idle")).scalar() == "15"
    taken = second.acquire(now)
    assert not taken.held and taken.holder
    first._drop()  # the session ends, as when the process is killed…
    deadline = time.monotonic() + 10
    while not second.acquire(now).held:  # …and its server process ends soon after
        assert time.monotonic() < deadline, "the lock outlived its session"
        time.sleep(0.05)
    second.release()
