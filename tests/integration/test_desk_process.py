"""The help desk in its own process (``[storage] desk_process``): groups handled there on the
same database, the worker's errors reaching the caller, and a worker killed — idle, or in the
middle of a group — replaced by a fresh one while nothing of the lost group is stored."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Connection

from bot.clock import SystemClock, VirtualClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from bot.desk_process import DeskGone, DeskProcess, Recipe
from bot.intake import Intake
from handlers.messages import ChatRef, Inbound, UserRef
from storage.database import Database, is_sqlite
from tests.integration.test_intake import count


def said(user: str, text: str) -> Inbound:
    return Inbound(UserRef(f"console:{user}", user.title()), ChatRef("console", user), text=text)


@asynccontextmanager
async def desk_process(database: Database, tmp_path: Path) -> AsyncIterator[DeskProcess]:
    config = tmp_path / "config.toml"
    config.write_text('[helpdesk]\ncoordinators = ["console:carla"]\n')
    settings = load_settings(config, environ={})
    settings = replace(settings, storage=replace(settings.storage, desk_process=True))
    process = DeskProcess(Recipe(settings, database.url, SystemClock(), RandomJoinCodes()))
    await process.start()
    try:
        yield process
    finally:
        await process.close()


@contextmanager
def writes_held(database: Database) -> Iterator[Connection]:
    """Hold the database so that the worker's next group waits (and cannot commit)."""
    with database.engine.connect() as conn, conn.begin():
        if not is_sqlite(database.url):  # SQLite's BEGIN IMMEDIATE holds every write already
            conn.exec_driver_sql("LOCK TABLE identities IN ACCESS EXCLUSIVE MODE")
        yield conn


def gone(pid: int) -> bool:
    """Whether a killed process was also reaped (the pool has noticed it died)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def until_gone(pid: int) -> None:
    for _ in range(500):
        if gone(pid):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"process {pid} still there")


async def test_groups_are_handled_in_the_worker_in_order(database: Database,
                                                         tmp_path: Path) -> None:
    async with desk_process(database, tmp_path) as process:
        intake = Intake(database, None, process=process)  # type: ignore[arg-type]
        assert await process.worker_pid() != os.getpid()
        await asyncio.gather(*(intake.receive(said(name, "/start"))
                               for name in ("ana", "bob", "dan")))
        await intake.receive(said("ana", "/ask where is the form?"))
        await intake.close()
    assert count(database, "SELECT COUNT(*) FROM members") == 3
    assert count(database, "SELECT COUNT(*) FROM help_requests") == 1


async def test_an_error_in_the_worker_reaches_the_caller(database: Database,
                                                         tmp_path: Path) -> None:
    async with desk_process(database, tmp_path) as process:
        with database.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE platform_updates")  # the commit cannot happen
        with pytest.raises(Exception, match="platform_updates"):
            await process.handle([replace(said("ana", "/start"), receipt=7)])
        assert count(database, "SELECT COUNT(*) FROM members") == 0


async def test_a_worker_killed_while_idle_is_replaced(database: Database,
                                                      tmp_path: Path) -> None:
    async with desk_process(database, tmp_path) as process:
        first = await process.worker_pid()
        os.kill(first, signal.SIGKILL)
        await until_gone(first)
        await process.handle([said("ana", "/start")])  # nothing lost: a new worker took it
        assert await process.worker_pid() != first
    assert count(database, "SELECT COUNT(*) FROM members") == 1


async def test_a_worker_killed_mid_group_fails_that_group_only(database: Database,
                                                               tmp_path: Path) -> None:
    async with desk_process(database, tmp_path) as process:
        first = await process.worker_pid()
        with writes_held(database):
            handling = asyncio.create_task(process.handle([said("ana", "/start"),
                                                           said("bob", "/start")]))
            await asyncio.sleep(0)  # handed to the worker, which waits for the database
            os.kill(first, signal.SIGKILL)
            with pytest.raises(DeskGone):
                await handling
        assert count(database, "SELECT COUNT(*) FROM members") == 0  # nothing half-done
        await process.handle([said("dan", "/start")])
        assert await process.worker_pid() != first
    assert count(database, "SELECT COUNT(*) FROM members") == 1


async def test_only_the_system_clock_crosses_to_the_worker(tmp_path: Path) -> None:
    from bot.app import build_app

    config = tmp_path / "config.toml"
    config.write_text("[storage]\ndesk_process = true\n")
    settings = load_settings(config, environ={})
    with pytest.raises(ValueError, match="system clock"):
        await build_app(settings, f"sqlite:///{tmp_path / 'x.db'}", VirtualClock(),
                        RandomJoinCodes(), {})
