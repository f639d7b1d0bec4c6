"""The dispatcher's pace under a virtual timer: per-chat spacing, the overall and group rates,
a platform's "retry after" for one chat only, unreachable people and dead letters.

Nothing here sleeps: the timer moves only when the dispatcher waits, and the fake platform
records the virtual moment of every send.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.clock import VirtualClock
from bot.dispatcher import Delivery, Dispatcher, PermanentFailure, RetryLater, Unreachable
from bot.pacing import TELEGRAM, DeliveryLimits, Pacer, VirtualTimer
from handlers.domain import Language
from handlers.ports import OutboxRow
from storage.database import Database
from storage.delivery import Reachability
from storage.outbox import OutboxQueue, QueuedMessage
from storage.uow import SqlUnitOfWork

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SLOT = 1 / 30  # Telegram's overall pace

# Telegram's limits without the safety margin, so that times come out round.
EXACT = replace(TELEGRAM, margin=0.0)


class RecordingChannel:
    """A platform that records (chat, virtual time) of each accepted send and fails as told
    per message text or per chat; chats whose id starts with "-" are groups, as on Telegram."""

    def __init__(self, timer: VirtualTimer,
                 failures: dict[str, list[Exception]] | None = None) -> None:
        self.timer = timer
        self.failures = failures or {}
        self.sends: list[tuple[str, float]] = []
        self.texts: list[str] = []

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")

    async def send(self, message: QueuedMessage) -> Delivery:
        chat = message.chat_id or message.identity.split(":", 1)[1]
        pending = self.failures.get(message.text) or self.failures.get(chat)
        if pending:
            raise pending.pop(0)
        self.sends.append((chat, self.timer.monotonic()))
        self.texts.append(message.text)
        return Delivery(chat_id=chat, message_id=str(len(self.sends)))

    def times(self, chat: str) -> list[float]:
        return [at for to, at in self.sends if to == chat]


def queue(database: Database, messages: list[tuple[str, str | None, str]]) -> dict[str, int]:
    """Queue (person, chat or None for their private chat, text) in order; person → member id.
    People are telegram:<person>."""
    members: dict[str, int] = {}
    with SqlUnitOfWork(database.engine) as uow:
        for person, _chat, _text in messages:
            if person not in members:
                known = uow.members.by_identity(f"telegram:{person}")
                members[person] = (known or uow.members.add(
                    person, f"telegram:{person}", Language.EN, "UTC", START)).id
        uow.outbox.add([OutboxRow(members[person], f"telegram:{person}", chat, Language.EN,
                                  text, [], None, None, START)
                        for person, chat, text in messages])
        uow.commit()
    return members


def dispatcher(database: Database, channel: RecordingChannel, timer: VirtualTimer,
               clock: VirtualClock | None = None, longest_wait: float = 120.0,
               limits: DeliveryLimits = EXACT) -> Dispatcher:
    return Dispatcher(database, OutboxQueue(database.engine), {"telegram": channel},
                      clock or VirtualClock(START), limits={"telegram": limits}, timer=timer,
                      longest_wait=longest_wait)


def statuses(database: Database) -> list[tuple[str, str, int]]:
    with database.engine.connect() as conn:
        return [(r[0], r[1], r[2]) for r in conn.exec_driver_sql(
            "SELECT text, status, attempts FROM outbox ORDER BY id")]


async def test_one_chat_gets_a_message_a_second_while_others_fill_the_gaps(
        database: Database) -> None:
    queue(database, [("ana", None, "a1"), ("ana", None, "a2"), ("bob", None, "b1"),
                     ("ana", None, "a3"), ("bob", None, "b2")])
    timer = VirtualTimer()
    channel = RecordingChannel(timer)
    assert await dispatcher(database, channel, timer).drain() == 5
    assert channel.times("ana") == pytest.approx([0, 1, 2])
    assert channel.times("bob") == pytest.approx([SLOT, 1 + SLOT])
    assert channel.texts == ["a1", "b1", "a2", "b2", "a3"]  # each chat in outbox order


async def test_the_overall_rate_is_thirty_a_second(database: Database) -> None:
    queue(database, [(f"p{i}", None, f"m{i}") for i in range(95)])
    timer = VirtualTimer()
    channel = RecordingChannel(timer)
    assert await dispatcher(database, channel, timer).drain(batch=40) == 95
    moments = [at for _chat, at in channel.sends]
    assert moments == pytest.approx([i * SLOT for i in range(95)])
    per_second = Counter(int(at + 1e-9) for at in moments)
    assert max(per_second.values()) == 30


async def test_a_group_gets_twenty_messages_a_minute(database: Database) -> None:
    queue(database, [("ana", "-100", f"g{i}") for i in range(25)] + [("bob", None, "b")])
    timer = VirtualTimer()
    channel = RecordingChannel(timer)
    assert await dispatcher(database, channel, timer).drain() == 26
    assert channel.times("-100") == pytest.approx([*range(20), 60, 61, 62, 63, 64])
    assert channel.times("bob") == pytest.approx([SLOT])


async def test_a_long_wait_is_left_to_a_later_drain(database: Database) -> None:
    queue(database, [("ana", "-100", f"g{i}") for i in range(22)])
    timer = VirtualTimer()
    channel = RecordingChannel(timer)
    sender = dispatcher(database, channel, timer, longest_wait=5)
    assert await sender.drain() == 20  # the 21st may go only at 60 s
    assert await sender.drain() == 0
    timer.now = 59.5
    assert await sender.drain() == 2
    assert channel.times("-100")[20:] == pytest.approx([60, 61])


async def test_retry_after_is_honoured_for_that_chat_only(database: Database) -> None:
    queue(database, [("ana", None, "a1"), ("bob", None, "b1"), ("ana", None, "a2"),
                     ("bob", None, "b2"), ("ana", None, "a3"), ("bob", None, "b3")])
    timer = VirtualTimer()
    channel = RecordingChannel(timer, {"ana": [RetryLater(7.5)]})
    assert await dispatcher(database, channel, timer).drain() == 6
    assert channel.times("ana") == pytest.approx([7.5, 8.5, 9.5])
    assert channel.times("bob") == pytest.approx([SLOT, 1 + SLOT, 2 + SLOT])
    # a "retry after" is no failed attempt
    assert all(attempts == 1 for _text, _status, attempts in statuses(database))


async def test_a_thousand_member_fan_out_is_not_held_up_by_one_chat(
        database: Database) -> None:
    queue(database, [(f"p{i:04}", None, "news") for i in range(1000)])
    timer = VirtualTimer()
    channel = RecordingChannel(timer, {"p0004": [RetryLater(30)]})
    assert await dispatcher(database, channel, timer).drain() == 1000
    others = [at for chat, at in channel.sends if chat != "p0004"]
    assert len(others) == 999
    gaps = [later - earlier for earlier, later in itertools.pairwise(others)]
    assert max(gaps) < 2 * SLOT + 1e-9  # only the held chat's slot is skipped
    assert channel.times("p0004") == pytest.approx([4 * SLOT + 30], abs=SLOT + 1e-9)
    assert timer.now == pytest.approx(999 * SLOT, abs=2 * SLOT)


async def test_an_unreachable_person_is_set_aside_until_they_write_again(
        database: Database) -> None:
    members = queue(database, [("ana", None, "a1"), ("ana", None, "a2"), ("bob", None, "b1"),
                               ("ana", None, "a3")])
    timer = VirtualTimer()
    channel = RecordingChannel(timer, {"ana": [Unreachable("Forbidden: bot was blocked")]})
    sender = dispatcher(database, channel, timer)
    assert await sender.drain() == 1
    assert channel.texts == ["b1"]
    assert statuses(database) == [("a1", "unreachable", 0), ("a2", "unreachable", 0),
                                  ("b1", "sent", 1), ("a3", "unreachable", 0)]
    reach = Reachability(database.engine)
    assert reach.unreachable() == ["telegram:ana"]
    assert reach.unreachable_members() == 1
    with SqlUnitOfWork(database.engine) as uow:  # what /overview can show
        assert uow.outbox.unreachable_members() == 1
    queue(database, [("ana", None, "a4")])  # queued while unreachable: set aside too
    assert await sender.drain() == 0
    assert statuses(database)[-1] == ("a4", "unreachable", 0)
    assert members["ana"] > 0
    assert reach.mark_reachable(["telegram:ana", "telegram:bob"]) == 1  # ana wrote again
    assert reach.mark_reachable(["telegram:ana"]) == 0
    queue(database, [("ana", None, "a5")])
    assert await sender.drain() == 1
    assert channel.texts == ["b1", "a5"]
    assert reach.unreachable_members() == 0


async def test_refused_messages_become_dead_letters_without_holding_up_others(
        database: Database) -> None:
    queue(database, [("ana", None, "a1"), ("ana", None, "a2"), ("bob", None, "b1")])
    timer = VirtualTimer()
    clock = VirtualClock(START)
    refusal = "Bad Request: message text is empty"
    channel = RecordingChannel(timer, {"a1": [PermanentFailure(refusal) for _ in range(3)]})
    sender = dispatcher(database, channel, timer, clock)
    assert await sender.drain() == 1  # a1 refused; b1 goes on, a2 waits behind a1
    assert channel.texts == ["b1"]
    for _ in range(2):
        clock.move("+1h")  # past the back-off
        await sender.drain()
    assert statuses(database)[0] == ("a1", "failed", 3)
    (letter,) = Reachability(database.engine).dead_letters()
    assert (letter.identity, letter.error, letter.attempts) == ("telegram:ana", refusal, 3)
    assert channel.texts == ["b1", "a2"]  # a dead letter holds up nothing any more


async def test_timeouts_are_retried_with_back_off(database: Database) -> None:
    queue(database, [("ana", None, "a1")])
    timer = VirtualTimer()
    clock = VirtualClock(START)
    channel = RecordingChannel(timer, {"ana": [TimeoutError(), ConnectionError()]})
    sender = dispatcher(database, channel, timer, clock)
    assert await sender.drain() == 0
    assert await sender.drain() == 0  # waits 5 s (wall clock) before trying again
    clock.move("+1m")
    assert await sender.drain() == 0
    clock.move("+1m")
    assert await sender.drain() == 1
    assert statuses(database) == [("a1", "sent", 3)]
    assert Reachability(database.engine).dead_letters() == []


async def test_a_slow_send_holds_up_only_its_own_chat(database: Database) -> None:
    queue(database, [("slow", None, "s1"), ("slow", None, "s2")]
          + [(f"p{i:02}", None, "news") for i in range(40)])
    timer = VirtualTimer()

    class SlowChannel(RecordingChannel):
        """The first send to "slow" hangs until everyone else got the news."""

        release = asyncio.Event()

        async def send(self, message: QueuedMessage) -> Delivery:
            if message.text == "s1":
                await self.release.wait()
            delivery = await super().send(message)
            if len(self.sends) == 40:
                self.release.set()
            return delivery

    channel = SlowChannel(timer)
    assert await dispatcher(database, channel, timer).drain() == 42
    others = [at for chat, at in channel.sends if chat != "slow"]
    assert others == pytest.approx([i * SLOT for i in range(1, 41)])
    assert channel.texts[40:] == ["s1", "s2"]  # its own chat, in order, after the slow one


async def test_a_stop_ends_the_drain_after_the_sends_under_way(database: Database) -> None:
    timer = VirtualTimer()
    stop = asyncio.Event()

    class StoppingChannel(RecordingChannel):
        async def send(self, message: QueuedMessage) -> Delivery:
            delivery = await super().send(message)
            if len(self.sends) == 3:
                stop.set()  # Ctrl-C while the third message goes out
            return delivery

    channel = StoppingChannel(timer)
    queue(database, [(f"p{n}", None, f"m{n}") for n in range(50)])
    sent = await dispatcher(database, channel, timer).drain(stop=stop)
    assert sent == len(channel.sends) < 50
    waiting = OutboxQueue(database.engine).waiting(["telegram"], START, 100)
    assert len(waiting) == 50 - sent  # nothing sent twice, nothing lost


async def test_sends_under_way_are_recorded_when_recording_fails(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    timer = VirtualTimer()
    channel = RecordingChannel(timer)
    queue(database, [(f"p{n}", None, f"m{n}") for n in range(5)])
    sender = dispatcher(database, channel, timer)
    real = sender._record
    calls = itertools.count()

    def flaky(outcomes: object) -> None:
        if next(calls) == 0:
            raise RuntimeError("database went away")
        real(outcomes)  # type: ignore[arg-type]

    monkeypatch.setattr(sender, "_record", flaky)
    with pytest.raises(RuntimeError):
        await sender.drain()
    monkeypatch.setattr(sender, "_record", real)
    await sender.drain()
    assert sorted(Counter(channel.texts).values()) == [1] * len(set(channel.texts))


def test_late_starts_keep_the_pace_and_a_second_never_holds_more_than_thirty() -> None:
    # The event loop wakes each send 2 ms late: the slots stay 1/30 s apart (no drift), and
    # with the margin no second ever sees more than thirty starts.
    pacer = Pacer({"telegram": TELEGRAM})
    now, starts = 0.0, []
    for number in range(300):
        now = max(now, pacer.platform_ready("telegram")) + 0.002 * (number % 3)
        pacer.record(("telegram", str(number)), False, now)
        starts.append(now)
    assert starts[-1] == pytest.approx(299 / 30, abs=0.15)
    assert all(later - earlier >= 1.0 for earlier, later in zip(starts, starts[30:],
                                                                strict=False))
