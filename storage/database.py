"""Connecting to the database: the engine (SQLite in WAL, or PostgreSQL) and a worker thread.

Use cases run synchronously inside :meth:`Database.run`, off the event loop, one at a time on
SQLite (one writer) and a few at a time on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, create_engine, event
from sqlalchemy.engine import Engine, make_url

from storage.writer_lock import take_turns

T = TypeVar("T")


def _sqlite_pragmas(sync: str) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun explicitly (see _sqlite_begin and Sql.begin), so that
        # savepoints work: the sqlite3 module's own implicit transactions get in their way.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL: in WAL mode a commit survives any crash of the process; only an operating
        # system crash or power cut may lose the last commits. FULL survives those too, at a
        # disk sync per commit (per group of messages under load, see bot/intake.py).
        cursor.execute(f"PRAGMA synchronous={sync}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return on_connect


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_sqlite(url: str) -> bool:
    """Whether a database URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def build_engine(url: str, sqlite_sync: str = "NORMAL", shared: bool = False) -> Engine:
    """An engine for a database URL; SQLite files get WAL, foreign keys and a busy timeout
    (and, when another process writes too — ``shared`` —, a lock to take turns with it)."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        if sqlite_sync not in ("NORMAL", "FULL"):
            raise ValueError(f"sqlite_sync must be NORMAL or FULL, not {sqlite_sync!r}")
        event.listen(engine, "connect", _sqlite_pragmas(sqlite_sync))
        if shared and database and database != ":memory:":
            take_turns(engine, Path(database + ".writer-lock"))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


class Database:
    """The engine plus the worker threads that run database work off the event loop."""

    def __init__(self, url: str, sqlite_sync: str = "NORMAL", shared: bool = False) -> None:
        self.url = url
        self.engine = build_engine(url, sqlite_sync, shared)
        workers = 1 if is_sqlite(url) else 4
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")

    async def run(self, work: Callable[[], T]) -> T:
        """Run blocking database work in a worker thread and wait for its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, work)

    def close(self) -> None:
        """Stop the worker threads and close every pooled connection."""
        self._executor.shutdown(wait=True)
        self.engine.dispose()
