"""One SQLite writer at a time across processes, taking turns without polling.

SQLite lets a second writer wait by sleeping and retrying (its busy handler backs off up to
100 ms at a time). Between two processes that both write all the time — the adapters recording
what arrives, the help desk's process handling it (bot/desk_process.py) — the sleeper keeps
losing to the other and both end up idle. With this lock, every transaction on the engine first
takes an exclusive ``flock`` on a file beside the database and gives it back after its commit or
rollback: a waiting process is woken the moment the lock is free. The kernel frees the lock of
a process that dies.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine

_KEY = "peerdesk_writer_lock"
_TURNS = "peerdesk_writer_turns"


def take_turns(engine: Engine, lock_file: Path) -> None:
    """Make every transaction on ``engine`` hold ``lock_file`` (call before other ``begin``
    listeners, so that the lock is held before SQLite's own ``BEGIN IMMEDIATE``)."""

    turns = _Turns()

    def on_connect(_dbapi_connection: Any, record: Any) -> None:
        record.info[_KEY] = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        record.info[_TURNS] = turns

    def on_close(_dbapi_connection: Any, record: Any) -> None:
        descriptor = record.info.pop(_KEY, None)
        if descriptor is not None:
            os.close(descriptor)

    def on_begin(connection: Connection) -> None:
        take_turn(connection.connection)

    def released(finish: Any) -> Any:
        def finish_and_release(connection: Any) -> None:
            try:
                finish(connection)
            finally:
                end_turn(connection)

        return finish_and_release

    event.listen(engine, "connect", on_connect)
    event.listen(engine.pool, "close", on_close)
    event.listen(engine, "begin", on_begin)
    dialect = engine.dialect
    # The commit and the rollback themselves, not the events that precede them.
    setattr(dialect, "do_commit", released(dialect.do_commit))  # noqa: B010
    setattr(dialect, "do_rollback", released(dialect.do_rollback))  # noqa: B010


class NestedWriter(RuntimeError):
    """A thread began a second transaction on the database while its first one was open: it
    would wait for itself forever (the lock is the other connection's). A programming error."""


class _Turns(threading.local):
    """Which lock files this thread holds (per engine), to refuse waiting for itself."""

    def __init__(self) -> None:
        self.held: set[int] = set()


def take_turn(connection: Any) -> None:
    """Wait for the lock before a transaction (if the engine has one): SQLAlchemy's ``begin``,
    and transactions begun on a pooled driver connection (``engine.raw_connection()``, which
    that event does not see). Raises :class:`NestedWriter` instead of waiting forever when
    this thread already holds the lock through another connection."""
    descriptor = _descriptor(connection)
    if descriptor is None:
        return
    turns: _Turns = connection.info[_TURNS]
    if turns.held:
        raise NestedWriter("this thread already has a transaction open on the database; "
                           "a second one would wait for it forever")
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    turns.held.add(descriptor)


def end_turn(connection: Any) -> None:
    """Give back what :func:`take_turn` took (after the commit or rollback)."""
    descriptor = _descriptor(connection)
    if descriptor is not None:
        turns: _Turns = connection.info[_TURNS]
        if descriptor in turns.held:
            turns.held.discard(descriptor)
            fcntl.flock(descriptor, fcntl.LOCK_UN)


def _descriptor(connection: Any) -> int | None:
    """The lock file of a pooled connection (None for one the pool hands out bare, as on the
    engine's very first connect)."""
    try:
        descriptor: int | None = connection.info.get(_KEY)
    except (AttributeError, NotImplementedError):
        return None
    return descriptor
