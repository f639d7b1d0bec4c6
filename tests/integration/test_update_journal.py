"""The update journal: an update is recorded once, marked handled in the same transaction as
its handling (even when the handling failed and the sender got an apology), and one recorded
but never handled is found again after a restart."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_app
from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from handlers.commands import COMMANDS
from handlers.messages import ChatRef, Inbound, UserRef
from handlers.turn import Turn
from storage.database import build_engine
from storage.migrate import upgrade
from storage.platform_updates import UpdateJournal, forget_handled_updates
from storage.uow import SqlUnitOfWork
from tests.scenarios.harness import Recorder, Unchanged

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
ANA = UserRef("telegram:11", "Ana", "pt-br")
CHAT = ChatRef("telegram", "11")


async def test_an_update_is_handled_once_and_an_unfinished_one_is_found_again(
        tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text("")
    channel = Recorder(lambda _line: None)
    app = await build_app(load_settings(config, environ={}), database_url, VirtualClock(NOW),
                          RandomJoinCodes(random.Random(1)), {"telegram": channel},
                          [Unchanged()])
    journal = UpdateJournal(app.database.engine, "telegram")
    try:
        assert await app.database.run(lambda: journal.record(1, {"update_id": 1}, NOW))
        assert not await app.database.run(lambda: journal.record(1, {"update_id": 1}, NOW))
        await app.receive(Inbound(ANA, CHAT, "/help", receipt=1))

        def boom(turn: Turn, args: str) -> None:
            raise RuntimeError("boom")

        monkeypatch.setitem(COMMANDS, "ask", replace(COMMANDS["ask"], run=boom))
        assert await app.database.run(lambda: journal.record(2, {"update_id": 2}, NOW))
        await app.receive(Inbound(ANA, CHAT, "/ask why?", receipt=2))
        assert await app.database.run(lambda: journal.record(3, {"update_id": 3}, NOW))
        unfinished = await app.database.run(journal.unfinished)
        newest = await app.database.run(journal.last_update_id)
    finally:
        await app.close()
    assert unfinished == [{"update_id": 3}]  # 1 handled, 2 answered with an apology
    assert newest == 3


def test_updates_recorded_together_are_found_again_in_the_order_given(
        database_url: str) -> None:
    from storage.database import build_engine
    from storage.migrate import upgrade

    engine = build_engine(database_url)
    try:
        upgrade(engine)
        journal = UpdateJournal(engine, "slack")
        # Slack's numbers are hashes: their order says nothing about the arrival order.
        numbers = [9_000_000_005, 9_000_000_004, 9_000_000_000, 9_000_000_003, 9_000_000_001]
        # A payload, or its JSON text as the platform sent it (kept as it came).
        received: list[tuple[int, dict[str, object] | str]] = [
            (number, {"arrived": position} if position % 2 else f'{{"arrived": {position}}}')
            for position, number in enumerate(numbers)]
        assert journal.record_many(received, datetime(2026, 3, 2, tzinfo=UTC)) == set(numbers)
        assert journal.unfinished() == [{"arrived": position} for position in range(5)]
        # Recorded again (a repeat in a later group, new ones with it): only the new are new.
        again = journal.record_many([(numbers[0], "{}"), (7, {"arrived": 5})],
                                    datetime(2026, 3, 2, 0, 1, tzinfo=UTC))
        assert again == {7}
        assert [payload["arrived"] for payload in journal.unfinished()] == [0, 1, 2, 3, 4, 5]
    finally:
        engine.dispose()


def test_handled_updates_are_forgotten_after_a_while_but_not_the_newest(
        database_url: str) -> None:


    engine = build_engine(database_url)
    old = datetime(2026, 3, 2, tzinfo=UTC)
    try:
        upgrade(engine)
        telegram, slack = UpdateJournal(engine, "telegram"), UpdateJournal(engine, "slack")
        telegram.record_many([(1, {"n": 1}), (2, {"n": 2}), (3, {"n": 3})], old)
        slack.record_many([(70, {"n": 70}), (50, {"n": 50})], old)
        for number in (1, 2, 3):
            telegram.finish(number, old)
        slack.finish(50, old)  # 70 was never handled: kept, to be handled
        assert forget_handled_updates(engine, old + timedelta(days=1)) == 3
        assert telegram.last_update_id() == 3  # polling still resumes after it
        assert [payload["n"] for payload in slack.unfinished()] == [70]
        assert forget_handled_updates(engine, old + timedelta(days=1)) == 0
    finally:
        engine.dispose()


def test_one_update_handed_to_two_processes_at_once_is_handled_once(
        database_url: str) -> None:
    """A process replaying the journal after a restart may be handed an update another
    process has in hand: the second waits for the first's commit, then finds it handled."""
    engine = build_engine(database_url)
    upgrade(engine)
    try:
        assert UpdateJournal(engine, "telegram").record(7, {"update_id": 7}, NOW)
        handled: list[str] = []
        first_looked = threading.Event()

        def handle(name: str, linger: float) -> None:
            with SqlUnitOfWork(engine) as uow:
                if uow.handled_already("telegram", [7]):
                    return
                first_looked.set()
                time.sleep(linger)  # the other process looks meanwhile
                handled.append(name)
                uow.mark_handled("telegram", [7], NOW)
                uow.commit()

        first = threading.Thread(target=handle, args=("first", 0.5))
        first.start()
        assert first_looked.wait(10)
        second = threading.Thread(target=handle, args=("second", 0.0))
        second.start()
        first.join(10)
        second.join(10)
        assert handled == ["first"]
    finally:
        engine.dispose()
