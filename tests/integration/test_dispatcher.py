"""The dispatcher on a real database: sends in order, retries later, sets refused ones aside."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import VirtualClock
from bot.dispatcher import Delivery, Dispatcher, PermanentFailure
from bot.pacing import DeliveryLimits
from handlers.domain import Language
from handlers.ports import OutboxRow
from storage.database import Database
from storage.outbox import OutboxQueue, QueuedMessage
from storage.uow import SqlUnitOfWork

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class FlakyChannel:
    """Fails as told per message text, then succeeds; records what it delivered."""

    def __init__(self, failures: dict[str, list[Exception]]) -> None:
        self.failures = failures
        self.delivered: list[str] = []

    async def send(self, message: QueuedMessage) -> Delivery:
        pending = self.failures.get(message.text)
        if pending:
            raise pending.pop(0)
        self.delivered.append(message.text)
        return Delivery(chat_id="chat", message_id=str(len(self.delivered)))


@pytest.fixture
def queued(database: Database) -> Database:
    """A database with four messages waiting for Ana."""
    db = database
    with SqlUnitOfWork(db.engine) as uow:
        ana = uow.members.add("Ana", "console:ana", Language.PT, "UTC", START)
        uow.outbox.add([OutboxRow(ana.id, "console:ana", None, Language.PT, text, [], None, None,
                                  START) for text in ("one", "two", "three", "four")])
        uow.commit()
    return db


async def test_a_failing_message_holds_up_its_chat_only_until_retried_or_set_aside(
        queued: Database) -> None:
    database = queued
    with SqlUnitOfWork(database.engine) as uow:
        bob = uow.members.add("Bob", "console:bob", Language.EN, "UTC", START)
        uow.outbox.add([OutboxRow(bob.id, "console:bob", None, Language.EN, "bob", [], None,
                                  None, START)])
        uow.commit()
    clock = VirtualClock(START)
    channel = FlakyChannel({"two": [TimeoutError(), ConnectionError()],
                            "three": [PermanentFailure("Bad Request: message is too long")]})
    dispatcher = Dispatcher(database, OutboxQueue(database.engine), {"console": channel}, clock,
                            limits={"console": DeliveryLimits(dead_letter_attempts=1)})
    assert await dispatcher.drain() == 2
    assert channel.delivered == ["one", "bob"]  # "three" and "four" wait behind "two"
    assert await dispatcher.drain() == 0  # "two" waits 5 s before its next try
    clock.move("+5m")  # past its back-off
    assert await dispatcher.drain() == 0  # failed again: now it waits 10 s more
    clock.move("+1m")
    assert await dispatcher.drain() == 2  # "two", then "three" refused for good, then "four"
    assert channel.delivered == ["one", "bob", "two", "four"]
    with database.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT text, status, attempts FROM outbox ORDER BY id").all()
    assert [tuple(r) for r in rows] == [("one", "sent", 1), ("two", "sent", 3),
                                        ("three", "failed", 1), ("four", "sent", 1),
                                        ("bob", "sent", 1)]


async def test_too_many_failures_set_a_message_aside(queued: Database) -> None:
    database = queued
    clock = VirtualClock(START)
    channel = FlakyChannel({"one": [TimeoutError() for _ in range(20)]})
    queue = OutboxQueue(database.engine, max_attempts=3)
    dispatcher = Dispatcher(database, queue, {"console": channel}, clock)
    for _ in range(5):
        await dispatcher.drain()
        clock.move("+2h")
    assert "one" not in channel.delivered
    assert queue.waiting(["console"], clock.now() + timedelta(days=1)) == []
