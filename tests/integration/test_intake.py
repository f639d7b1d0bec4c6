"""Grouped transactions on a real database: each message atomic, the group committed once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from bot.intake import Intake
from handlers import help_desk
from handlers.catalogue import Catalogue
from handlers.commands import COMMANDS
from handlers.messages import ChatRef, Inbound, UserRef
from handlers.service import HelpDesk
from handlers.timezones import TimeZones
from handlers.turn import CoreSettings, Deps, Turn
from storage.database import Database
from storage.files import DiskFileStore
from storage.platform_updates import UpdateJournal
from storage.uow import SqlUnitOfWork

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def said(user: str, text: str) -> Inbound:
    return Inbound(UserRef(f"console:{user}", user.title()), ChatRef("console", user), text=text)


@pytest.fixture
def desk(database: Database, tmp_path: Path) -> HelpDesk:
    deps = Deps(CoreSettings(coordinator_identities=frozenset({"console:carla"})),
                VirtualClock(START), RandomJoinCodes(), TimeZones.load(),
                DiskFileStore(tmp_path))
    return HelpDesk(lambda: SqlUnitOfWork(database.engine), Catalogue.load(), deps)


def count(database: Database, sql: str) -> int:
    with database.engine.connect() as conn:
        return int(conn.exec_driver_sql(sql).scalar_one())


def test_one_failing_message_does_not_take_its_group_down(
        database: Database, desk: HelpDesk, monkeypatch: pytest.MonkeyPatch) -> None:
    def ask_then_fail_for_bob(turn: Turn, args: str) -> None:
        help_desk.ask_help_desk(turn, args)  # writes a request and outbox rows first
        if turn.sender.name == "Bob":
            raise RuntimeError("boom")

    monkeypatch.setitem(COMMANDS, "ask", replace(COMMANDS["ask"], run=ask_then_fail_for_bob))
    desk.handle(said("carla", "/start"))
    desk.handle_batch([said("ana", "/ask one"), said("bob", "/ask two"),
                       said("dan", "/ask three")])
    with database.engine.connect() as conn:
        texts = [row[0] for row in conn.exec_driver_sql(
            "SELECT text FROM help_requests ORDER BY id")]
        bob = conn.exec_driver_sql(
            "SELECT o.text FROM outbox o JOIN identities i ON i.member_id = o.member_id "
            "WHERE i.identity = 'console:bob' ORDER BY o.id").all()
    assert texts == ["one", "three"]  # Bob's half-done request was undone
    assert bob[-1][0].startswith("Something went wrong on my side")
    assert count(database, "SELECT COUNT(*) FROM members") == 4  # Bob is registered


async def test_intake_groups_concurrent_messages_and_answers_each(
        database: Database, desk: HelpDesk) -> None:
    groups: list[int] = []

    class Counting:
        def handle_batch(self, inbounds: list[Inbound]) -> None:
            groups.append(len(inbounds))
            desk.handle_batch(inbounds)

    intake = Intake(database, Counting(), max_batch=16)  # type: ignore[arg-type]
    try:
        await asyncio.gather(*(intake.receive(said(f"u{i}", "/start")) for i in range(40)))
    finally:
        await intake.close()
    assert count(database, "SELECT COUNT(*) FROM members") == 40
    assert count(database, "SELECT COUNT(*) FROM outbox") == 40  # one greeting each
    assert sum(groups) == 40 and max(groups) > 1 and max(groups) <= 16


async def test_a_failed_commit_reaches_every_caller_of_the_group(
        database: Database, desk: HelpDesk) -> None:
    class Failing:
        def handle_batch(self, inbounds: list[Inbound]) -> None:
            raise OSError("disk full")

    intake = Intake(database, Failing())  # type: ignore[arg-type]
    try:
        results = await asyncio.gather(*(intake.receive(said(f"u{i}", "/start"))
                                         for i in range(3)), return_exceptions=True)
    finally:
        await intake.close()
    assert all(isinstance(r, OSError) for r in results)
    assert count(database, "SELECT COUNT(*) FROM members") == 0


async def test_receive_all_hands_over_in_order_and_says_how_each_went(
        database: Database, desk: HelpDesk) -> None:
    groups: list[list[str]] = []

    class Recording:
        def handle_batch(self, inbounds: list[Inbound]) -> None:
            groups.append([inbound.sender.display_name for inbound in inbounds])
            if any(inbound.text == "/fail" for inbound in inbounds):
                raise OSError("disk full")
            desk.handle_batch(inbounds)

    intake = Intake(database, Recording(), max_batch=4)  # type: ignore[arg-type]
    try:
        names = [f"u{i}" for i in range(6)]
        assert await intake.receive_all([said(name, "/start") for name in names]) \
            == [None] * 6
        assert [name for group in groups for name in group] == [n.title() for n in names]
        assert max(len(group) for group in groups) == 4  # grouped, at most max_batch
        failed = await intake.receive_all([said("x", "/fail")])
        assert len(failed) == 1 and isinstance(failed[0], OSError)
        assert await intake.receive_all([]) == []
    finally:
        await intake.close()
    assert count(database, "SELECT COUNT(*) FROM members") == 6


def test_a_message_handed_over_again_after_its_commit_is_not_handled_twice(
        database: Database, desk: HelpDesk) -> None:
    """The help desk's process may die between its commit and its answer: the group is then
    handed over again, and what it committed is skipped."""
    journal = UpdateJournal(database.engine, "console")
    journal.record_many([(41, {"n": 41}), (42, {"n": 42})], START)
    ana = replace(said("ana", "/start"), receipt=41)
    desk.handle_batch([ana])
    replies = count(database, "SELECT COUNT(*) FROM outbox")
    desk.handle_batch([ana, replace(said("bob", "/start"), receipt=42)])  # again, and a new one
    assert count(database, "SELECT COUNT(*) FROM outbox") == replies + 1  # Bob's greeting only
    assert journal.unfinished() == []


async def test_a_group_the_help_desks_process_cannot_take_fails_its_callers(
        database: Database) -> None:
    class NoWorker:
        def submit(self, inbounds: list[Inbound]) -> None:
            raise OSError("cannot start a process")

        async def close(self) -> None:
            """Nothing was started."""

    intake = Intake(database, None, process=NoWorker())  # type: ignore[arg-type]
    try:
        for name in ("ana", "bob"):  # each group fails; nothing waits for ever
            with pytest.raises(OSError, match="cannot start"):
                await asyncio.wait_for(intake.receive(said(name, "/start")), 10)
    finally:
        await intake.close()
