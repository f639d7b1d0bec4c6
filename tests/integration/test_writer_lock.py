"""SQLite shared with another process (``build_engine(..., shared=True)``): each transaction
holds the lock file beside the database from its begin to its commit or rollback."""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import build_engine
from storage.migrate import upgrade
from storage.platform_updates import UpdateJournal
from storage.sql import sql_transaction
from storage.uow import SqlUnitOfWork
from storage.writer_lock import NestedWriter


def free(lock_file: Path) -> bool:
    """Whether another process could take the lock now."""
    descriptor = os.open(lock_file, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)  # closing also lets go of it
    return True


def test_each_transaction_holds_the_writer_lock(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'shared.db'}", shared=True)
    lock_file = tmp_path / "shared.db.writer-lock"
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            assert not free(lock_file)
        assert free(lock_file)
        with pytest.raises(RuntimeError), engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            assert not free(lock_file)
            raise RuntimeError("undone")
        assert free(lock_file)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM t")).scalar_one() == 0
            assert not free(lock_file)  # reads begin a transaction too (BEGIN IMMEDIATE)
        assert free(lock_file)
    finally:
        engine.dispose()


def test_unshared_engines_take_no_lock(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'alone.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    assert not (tmp_path / "alone.db.writer-lock").exists()


def test_transactions_on_the_driver_hold_it_too(tmp_path: Path) -> None:
    """The help desk's unit of work and the journal's recording run on pooled driver
    connections, which SQLAlchemy's ``begin`` event does not see: they take their turn too."""
    engine = build_engine(f"sqlite:///{tmp_path / 'shared.db'}", shared=True)
    lock_file = tmp_path / "shared.db.writer-lock"
    try:
        upgrade(engine)
        assert free(lock_file)
        with SqlUnitOfWork(engine) as uow:
            assert not free(lock_file)
            uow.commit()
        assert free(lock_file)
        with pytest.raises(RuntimeError), sql_transaction(engine) as sql:
            sql.run("DELETE FROM platform_updates")
            assert not free(lock_file)
            raise RuntimeError("undone")
        assert free(lock_file)
        journal = UpdateJournal(engine, "slack")
        assert journal.record_many([(1, {"a": 1})], datetime(2026, 3, 2, tzinfo=UTC)) == {1}
        assert free(lock_file)
    finally:
        engine.dispose()


def test_a_second_transaction_in_the_same_thread_is_refused_not_waited_for(
        tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'shared.db'}", shared=True)
    lock_file = tmp_path / "shared.db.writer-lock"
    try:
        with engine.begin() as outer:
            outer.execute(text("CREATE TABLE t (x INTEGER)"))
            with pytest.raises(NestedWriter), engine.begin() as inner:
                inner.execute(text("INSERT INTO t VALUES (1)"))
            outer.execute(text("INSERT INTO t VALUES (2)"))  # the first one goes on
        assert free(lock_file)
        with engine.begin() as conn:  # and the lock is taken again as usual
            assert conn.execute(text("SELECT x FROM t")).scalars().all() == [2]
            assert not free(lock_file)
        assert free(lock_file)
    finally:
        engine.dispose()
