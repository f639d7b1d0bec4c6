"""A drain that goes on (a broadcast paced by Telegram's limits) still takes what comes: each
platform is fetched for on its own, so a slow one never holds up the others, and news that
something was queued (``woken``) makes the drain look again instead of leaving it for the next
drain. Under a virtual timer, as in test_pacing."""

from __future__ import annotations

import asyncio
from functools import partial

import pytest

from bot.clock import VirtualClock
from bot.dispatcher import Delivery, Dispatcher
from bot.pacing import SLACK, VirtualTimer
from handlers.domain import Language
from handlers.ports import OutboxRow
from storage.database import Database
from storage.outbox import OutboxQueue, QueuedMessage
from storage.uow import SqlUnitOfWork
from tests.integration.test_pacing import EXACT, SLOT, START, RecordingChannel


def queue(database: Database, messages: list[tuple[str, str]], context: str | None = None,
          ) -> None:
    """Queue (identity, text) in order, each to the identity's private chat (``context``
    "broadcast": as a broadcast's copies)."""
    with SqlUnitOfWork(database.engine) as uow:
        rows = []
        for number, (identity, text) in enumerate(messages):
            member = uow.members.by_identity(identity) or uow.members.add(
                identity, identity, Language.EN, "UTC", START)
            rows.append(OutboxRow(member.id, identity, None, Language.EN, text, [], context,
                                  1 if context else number, START))
        uow.outbox.add(rows)
        uow.commit()


def two_platforms(database: Database, timer: VirtualTimer,
                  telegram: RecordingChannel, slack: RecordingChannel) -> Dispatcher:
    return Dispatcher(database, OutboxQueue(database.engine),
                      {"telegram": telegram, "slack": slack}, VirtualClock(START),
                      limits={"telegram": EXACT, "slack": SLACK}, timer=timer,
                      longest_wait=120.0)


async def test_a_platform_held_back_by_its_limits_does_not_hold_up_another(
        database: Database) -> None:
    # 300 Telegram copies of a broadcast (ten seconds at 30 a second), then one Slack reply.
    queue(database, [(f"telegram:{i}", f"news {i}") for i in range(300)]
          + [("slack:T1/U1", "your answer")])
    timer = VirtualTimer()
    telegram, slack = RecordingChannel(timer), RecordingChannel(timer)
    assert await two_platforms(database, timer, telegram, slack).drain(batch=100) == 301
    assert slack.texts == ["your answer"]
    assert slack.times("T1/U1") == [pytest.approx(0.0)]  # not after the 300 Telegram copies
    assert [at for _chat, at in telegram.sends] == pytest.approx(
        [i * SLOT for i in range(300)])


class QueueingChannel(RecordingChannel):
    """A Telegram that, as its tenth message goes out, has something new queued (someone
    wrote meanwhile) and, when told to, raises the drain's ``woken``."""

    def __init__(self, timer: VirtualTimer, database: Database,
                 woken: asyncio.Event | None,
                 news: tuple[tuple[str, str], ...] = (("telegram:late", "a reply"),)) -> None:
        super().__init__(timer)
        self.database = database
        self.woken = woken
        self.news = list(news)

    async def send(self, message: QueuedMessage) -> Delivery:
        delivery = await super().send(message)
        if len(self.sends) == 10:
            await self.database.run(partial(queue, self.database, self.news))
            if self.woken is not None:
                self.woken.set()
        return delivery


@pytest.mark.parametrize("told", [True, False])
async def test_what_is_queued_during_a_drain_goes_in_that_drain_when_it_is_told(
        database: Database, told: bool) -> None:
    queue(database, [(f"telegram:{i}", f"news {i}") for i in range(60)])
    timer = VirtualTimer()
    woken = asyncio.Event()
    channel = QueueingChannel(timer, database, woken if told else None)
    dispatcher = Dispatcher(database, OutboxQueue(database.engine), {"telegram": channel},
                            VirtualClock(START), limits={"telegram": EXACT}, timer=timer,
                            longest_wait=120.0)
    sent = await dispatcher.drain(woken=woken)
    if told:
        assert sent == 61 and channel.texts[-1] == "a reply"
        assert not woken.is_set()  # the drain took the news
    else:  # nothing said so: the next drain sends it
        assert sent == 60 and "a reply" not in channel.texts
        assert await dispatcher.drain(woken=woken) == 1


async def test_news_cuts_short_a_wait_for_the_next_chat(database: Database) -> None:
    # One person's second message must wait a second (Telegram's pace in one chat); something
    # queued for someone else meanwhile goes out at once, not after that second.
    queue(database, [("telegram:ana", "a1"), ("telegram:ana", "a2")])
    timer = VirtualTimer()
    channel = RecordingChannel(timer)
    woken = asyncio.Event()
    news: list[str] = []

    class SlowTimer(VirtualTimer):
        """Virtual time whose first sleep lets the test queue something and raise ``woken``."""

        async def sleep(self, seconds: float) -> None:
            if not news:
                news.append("b1")
                await database.run(partial(queue, database, [("telegram:bob", "b1")]))
                woken.set()
                await asyncio.sleep(0.05)  # the news arrives before the wait is over
            await super().sleep(seconds)

    slow = SlowTimer()
    channel.timer = slow
    dispatcher = Dispatcher(database, OutboxQueue(database.engine), {"telegram": channel},
                            VirtualClock(START), limits={"telegram": EXACT}, timer=slow,
                            longest_wait=120.0)
    assert await dispatcher.drain(woken=woken) == 3
    assert channel.texts == ["a1", "b1", "a2"]
    assert channel.times("bob") == [pytest.approx(SLOT)]  # Telegram's overall pace only
    assert channel.times("ana") == pytest.approx([0.0, 1.0])


BROADCAST = [(f"telegram:{i}", f"news {i}") for i in range(300)]


async def test_a_reply_waiting_behind_a_broadcast_goes_first(database: Database) -> None:
    queue(database, BROADCAST, context="broadcast")
    queue(database, [("telegram:late", "a reply")])
    timer = VirtualTimer()
    channel = RecordingChannel(timer)
    dispatcher = Dispatcher(database, OutboxQueue(database.engine), {"telegram": channel},
                            VirtualClock(START), limits={"telegram": EXACT}, timer=timer)
    assert await dispatcher.drain(batch=100) == 301
    assert channel.texts[0] == "a reply"  # not after ten seconds of the broadcast
    assert channel.texts[1:] == [text for _who, text in BROADCAST]


async def test_news_during_a_broadcast_overtakes_it_but_not_within_a_chat_in_hand(
        database: Database) -> None:
    # At the tenth copy, two people write: one whose copy is in hand (fetched, not sent yet),
    # one whose copy is not fetched yet. Both replies go before the rest of the broadcast,
    # except behind the copy already in hand in the same chat.
    queue(database, BROADCAST, context="broadcast")
    timer = VirtualTimer()
    woken = asyncio.Event()
    channel = QueueingChannel(timer, database, woken, news=(("telegram:60", "reply 60"),
                                                            ("telegram:250", "reply 250")))
    dispatcher = Dispatcher(database, OutboxQueue(database.engine), {"telegram": channel},
                            VirtualClock(START), limits={"telegram": EXACT}, timer=timer)
    assert await dispatcher.drain(batch=100, woken=woken) == 302
    texts = channel.texts
    # Sent next, but for the copies already on their way (Telegram's sends in flight).
    assert texts.index("reply 250") <= 10 + EXACT.in_flight
    assert texts.index("reply 250") < texts.index("news 250")  # overtook a copy not fetched
    assert texts.index("news 60") < texts.index("reply 60")  # in hand: its chat's order
    assert texts.index("reply 60") < texts.index("news 100")  # and still before the backlog
    assert sorted(texts) == sorted([t for _who, t in BROADCAST] + ["reply 60", "reply 250"])
