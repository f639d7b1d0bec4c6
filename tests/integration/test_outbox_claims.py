"""Several dispatcher processes on one database send each outbox row once and keep each chat in
order: what one fetched is claimed, the others leave it (and the later rows to its chat) alone
until it is sent, fails, is given back, or the claim runs out. On SQLite, and on PostgreSQL
(``FOR UPDATE SKIP LOCKED``) when a server is available."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import update

from bot.clock import VirtualClock
from bot.pacing import VirtualTimer
from storage.database import Database
from storage.outbox import (
    CLAIM_LEASE,
    OutboxQueue,
    QueuedMessage,
    outbox,
    release_orphaned_claims,
)
from storage.translating import AwaitingTranslation, Finish, TranslationQueue
from storage.waiting import waiting_ids
from tests.integration.test_pacing import EXACT, START, RecordingChannel, dispatcher, queue


def texts(fetched: list[QueuedMessage]) -> list[str]:
    return [message.text for message in fetched]


def texts_of(waiting: list[AwaitingTranslation]) -> list[str]:
    return [message.text for message in waiting]


def test_a_claimed_row_and_the_rest_of_its_chat_wait_for_the_other_process(
        database: Database) -> None:
    queue(database, [("ana", None, "a1"), ("bob", None, "b1"), ("ana", None, "a2")])
    first, second = OutboxQueue(database.engine), OutboxQueue(database.engine)
    assert texts(first.waiting(["telegram"], START, per_chat=1)) == ["a1", "b1"]
    # a2 is free, but a1 before it is in the first process's hands: the chat waits for it.
    assert second.waiting(["telegram"], START) == []
    # The first process's own fetch still sees its claims (asked again, nothing is lost).
    assert texts(first.waiting(["telegram"], START)) == ["a1", "b1", "a2"]


def test_a_round_gives_back_what_it_did_not_send(database: Database) -> None:
    queue(database, [("ana", None, "a1"), ("bob", None, "b1")])
    first, second = OutboxQueue(database.engine), OutboxQueue(database.engine)
    assert texts(first.waiting(["telegram"], START)) == ["a1", "b1"]
    first.release()
    assert texts(second.waiting(["telegram"], START)) == ["a1", "b1"]


def test_the_claims_of_a_process_that_died_run_out(database: Database) -> None:
    queue(database, [("ana", None, "a1")])
    dead, alive = OutboxQueue(database.engine), OutboxQueue(database.engine)
    assert texts(dead.waiting(["telegram"], START)) == ["a1"]
    assert alive.waiting(["telegram"], START + CLAIM_LEASE - timedelta(seconds=1)) == []
    assert texts(alive.waiting(["telegram"], START + CLAIM_LEASE)) == ["a1"]


def test_claims_on_rows_in_hand_are_renewed_while_a_round_goes_on(database: Database) -> None:
    queue(database, [("ana", None, "a1"), ("bob", None, "b1")])
    busy, other = OutboxQueue(database.engine), OutboxQueue(database.engine)
    held = busy.waiting(["telegram"], START, per_chat=1, limit=1)
    assert texts(held) == ["a1"] and not busy.renewal_due(START + CLAIM_LEASE / 4)
    later = START + CLAIM_LEASE / 2
    assert busy.renewal_due(later)
    busy.renew([m.id for m in held], later)
    assert not busy.renewal_due(later)
    # Past the first lease, a1 is still in the busy process's hands (renewed above).
    assert texts(other.waiting(["telegram"], START + CLAIM_LEASE + timedelta(seconds=10))
                 ) == ["b1"]


class TimerClock(VirtualClock):
    """The date and time that go with the pacing's virtual timer."""

    def __init__(self, timer: VirtualTimer) -> None:
        super().__init__(START)
        self.timer = timer

    def now(self) -> datetime:
        return START + timedelta(seconds=self.timer.monotonic())


async def test_a_long_round_renews_its_claims(database: Database) -> None:
    """Forty messages to one group at 20 a minute keep a round busy for two minutes: the
    claims on what it holds are renewed meanwhile, so another process never takes them."""
    queue(database, [("ana", "-100", f"g{n}") for n in range(40)])
    timer = VirtualTimer()
    platform = RecordingChannel(timer)
    clock = TimerClock(timer)
    sender = dispatcher(database, platform, timer, clock, limits=replace(
        EXACT, group_per_minute=20))
    sender.queue.lease = timedelta(seconds=30)
    other = OutboxQueue(database.engine)
    taken: list[str] = []

    async def watch() -> None:
        while len(platform.texts) < 40:
            if platform.texts:  # the busy process has fetched them all: try to take some
                taken.extend(texts(other.waiting(["telegram"], clock.now())))
            await asyncio.sleep(0)

    watcher = asyncio.create_task(watch())
    assert await sender.drain(per_chat=40) == 40  # all of them in hand from the start
    await watcher
    assert taken == [] and platform.texts == [f"g{n}" for n in range(40)]


def test_a_failed_send_is_given_back_for_its_retry(database: Database) -> None:
    queue(database, [("ana", None, "a1")])
    first, second = OutboxQueue(database.engine), OutboxQueue(database.engine)
    (message,) = first.waiting(["telegram"], START)
    first.mark_failed(message.id, "timeout", False, START)
    assert second.waiting(["telegram"], START) == []  # waiting for its back-off…
    retry = START + timedelta(seconds=5)
    assert texts(second.waiting(["telegram"], retry)) == ["a1"]  # …then anyone may send it


def test_a_row_taken_meanwhile_stops_its_chat_in_a_claim(database: Database) -> None:
    queue(database, [("ana", None, "a1"), ("ana", None, "a2"), ("bob", None, "b1")])
    first, second = OutboxQueue(database.engine), OutboxQueue(database.engine)
    with database.engine.connect() as conn:  # what the second process read before…
        read = waiting_ids(conn, ["telegram"], START, 100, 10, (), second.owner)
    assert len(read) == 3
    first.waiting(["telegram"], START, per_chat=1, limit=1)  # …the first took a1
    with database.engine.begin() as conn:
        claimed = second._claim(conn, read, START)
    assert len(claimed) == 1  # b1 only: a2 must not overtake a1


async def test_two_dispatchers_send_every_row_once_in_each_chats_order(
        database: Database) -> None:
    people = [f"p{number}" for number in range(30)]
    queue(database, [(person, None, f"{person}-{turn}") for turn in range(3)
                     for person in people])
    timer = VirtualTimer()
    platform = RecordingChannel(timer)  # both processes send to the same platform
    senders = [dispatcher(database, platform, timer, VirtualClock(START)) for _ in range(2)]

    def fetch_in_threads() -> list[list[int]]:
        """Both processes fetch at the same moment, many times over."""
        got: list[list[int]] = [[], []]
        barrier = threading.Barrier(2)

        def fetch(index: int) -> None:
            queue_ = senders[index].queue
            for _ in range(5):
                barrier.wait()
                got[index] += [m.id for m in queue_.waiting(["telegram"], START, limit=7,
                                                            per_chat=1, skip=got[index])]
        threads = [threading.Thread(target=fetch, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return got

    first, second = fetch_in_threads()
    assert first and not set(first) & set(second)  # never the same row twice
    # Each drains, at the same time, what it claimed and whatever else comes free.
    sent = await asyncio.gather(*(sender.drain(batch=8, per_chat=1) for sender in senders))
    assert sum(sent) == 90, sent
    assert set(Counter(platform.texts).values()) == {1}
    for person in people:  # each chat's messages in order, whoever sent them
        mine = [text for text in platform.texts if text.startswith(f"{person}-")]
        assert mine == [f"{person}-{turn}" for turn in range(3)]


def test_a_text_is_translated_by_one_process_and_then_sent_by_any(database: Database) -> None:
    queue(database, [("ana", None, "a1"), ("bob", None, "b1")])
    with database.engine.begin() as conn:
        conn.execute(update(outbox).values(status="translating", pieces=[], template="t"))
    first, second = TranslationQueue(database.engine), TranslationQueue(database.engine)
    claimed = first.waiting(START)
    assert texts_of(claimed) == ["a1", "b1"]
    assert second.waiting(START) == []  # the first process is translating them
    first.finish([Finish(claimed[0].id, "a1 (translated)", [], None)])
    # Handed on, the message is anyone's to send; the other one is still being translated.
    assert texts(OutboxQueue(database.engine).waiting(["telegram"], START)) == [
        "a1 (translated)"]
    assert texts_of(second.waiting(START + CLAIM_LEASE)) == ["b1"]  # the first one died


def test_a_restart_frees_the_claims_of_its_dead_predecessor_at_once(
        database: Database) -> None:
    queue(database, [("ana", None, "a1"), ("bob", None, "b1")])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    here = OutboxQueue(database.engine, owner=f"{socket.gethostname()[:60]}:"
                                              f"{dead.stdout.strip()}:00aa")
    elsewhere = OutboxQueue(database.engine, owner="another-host:1:00bb")
    assert texts(here.waiting(["telegram"], START, per_chat=1, limit=1)) == ["a1"]
    assert texts(elsewhere.waiting(["telegram"], START)) == ["b1"]
    assert release_orphaned_claims(database.engine) == 1  # a1: its process has ended
    restarted = OutboxQueue(database.engine)
    assert texts(restarted.waiting(["telegram"], START)) == ["a1"]  # b1 waits for its lease
