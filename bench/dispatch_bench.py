"""Benchmark of the dispatcher: a fan-out of one message to each of N chats at Telegram's pace.

Usage: python bench/dispatch_bench.py [--chats N] [--repeat R] [--held] [--backlog B]
                                     [--fetch ROWS] [--database-url URL]

Seeds a fresh database (a temporary SQLite file unless ``--database-url`` names an empty
PostgreSQL database) with N members (default 1,000) on Telegram and one outbox row each, then
drains the outbox through the real dispatcher with Telegram's limits (1 msg/s per chat, 30/s
overall, 20/min per group) into a platform that accepts every message at once. Time is
virtual: the dispatcher's waits move a virtual timer, so the run shows

- the virtual seconds the fan-out takes at Telegram's pace (ideal: (N - 1)/30, about 33.3 s
  for 1,000), and
- the real CPU time spent per message (pacing, the platform call, marking it sent),

and checks every member got exactly one message and every row is marked sent. ``--held`` makes
one chat answer its first send with "retry after 30 s" to show it holds up nobody else.
``--backlog B`` queues B messages to one chat before the fan-out and shows when the other
chats' messages went out (not after the backlog: at most 10 per chat are fetched at a time).
``--fetch ROWS`` times one fetch of the waiting messages with ROWS waiting instead.
Median of R runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import VirtualClock
from bot.dispatcher import Delivery, Dispatcher, RetryLater
from bot.pacing import TELEGRAM, VirtualTimer
from handlers.domain import Language
from handlers.ports import OutboxRow
from storage.database import Database
from storage.migrate import upgrade
from storage.outbox import OutboxQueue, QueuedMessage
from storage.uow import SqlUnitOfWork

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TEXT = "The second dissemination seminar is on 2026-04-15 at 14:00 UTC."


class AcceptingChannel:
    """Accepts everything at once; records each chat sent to (and holds one chat if told)."""

    def __init__(self, held: str | None, timer: VirtualTimer) -> None:
        self.held = held
        self.timer = timer
        self.sent: Counter[str] = Counter()
        self.moments: dict[str, list[float]] = {}

    async def send(self, message: QueuedMessage) -> Delivery:
        """Accept the message (or ask the held chat to wait 30 s, once)."""
        chat = message.identity.split(":", 1)[1]
        if chat == self.held:
            self.held = None
            raise RetryLater(30)
        self.sent[chat] += 1
        self.moments.setdefault(chat, []).append(self.timer.monotonic())
        return Delivery(chat_id=chat, message_id=str(message.id))


BACKLOG = "99999"  # the chat with a backlog (--backlog)


def seed(database: Database, chats: int, backlog: int = 0) -> None:
    """N members on Telegram with one message each waiting in the outbox (after ``backlog``
    messages to one more member)."""
    with SqlUnitOfWork(database.engine) as uow:
        rows = []
        if backlog:
            busy = uow.members.add("busy", f"telegram:{BACKLOG}", Language.EN, "UTC", START)
            rows += [OutboxRow(busy.id, f"telegram:{BACKLOG}", None, Language.EN, TEXT, [],
                               None, None, START)] * backlog
        for number in range(chats):
            identity = f"telegram:{100000 + number}"
            member = uow.members.add(f"m{number}", identity, Language.EN, "UTC", START)
            rows.append(OutboxRow(member.id, identity, None, Language.EN, TEXT, [], None, None,
                                  START))
        uow.outbox.add(rows)
        uow.commit()


Run = tuple[float, float, float, list[float], list[float]]


async def one_run(url: str, chats: int, held: bool, backlog: int) -> Run:
    """Seed, drain; (virtual seconds, real seconds, CPU seconds per message, the moments the
    fan-out's messages went out, those of the backlog's)."""
    database = Database(url)
    try:
        await database.run(lambda: upgrade(database.engine))
        await database.run(lambda: seed(database, chats, backlog))
        timer = VirtualTimer()
        channel = AcceptingChannel(f"{100000 + 4}" if held else None, timer)
        dispatcher = Dispatcher(database, OutboxQueue(database.engine),
                                {"telegram": channel}, VirtualClock(START),
                                limits={"telegram": TELEGRAM}, timer=timer, longest_wait=60)
        wall, cpu = time.perf_counter(), time.process_time()
        sent = await dispatcher.drain()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        with database.engine.connect() as conn:
            unsent = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM outbox WHERE status <> 'sent'").scalar_one()
        busy = channel.sent.pop(BACKLOG, 0)
        if sent != chats + backlog or unsent or len(channel.sent) != chats or max(
                channel.sent.values()) != 1 or busy != backlog:
            raise SystemExit(f"lost or doubled: sent {sent}, unsent rows {unsent}, "
                             f"chats {len(channel.sent)}, backlog {busy}")
        fan_out = sorted(at for chat, moments in channel.moments.items() if chat != BACKLOG
                         for at in moments)
        return (timer.now, wall, cpu / (chats + backlog), fan_out,
                channel.moments.get(BACKLOG, []))
    finally:
        database.close()


def time_fetch(url: str, rows: int, repeat: int) -> None:
    """Time the dispatcher's fetch (100 messages, at most 10 per chat) with ``rows`` waiting
    messages spread over 100 chats, then with all of them in one chat ahead of one message to
    each of 100 others (the worst case: the whole backlog is read to find the others)."""
    database = Database(url)
    try:
        upgrade(database.engine)
        with SqlUnitOfWork(database.engine) as uow:
            members = [uow.members.add(f"m{n}", f"telegram:{100000 + n}", Language.EN, "UTC",
                                       START) for n in range(101)]
            uow.commit()
        queue = OutboxQueue(database.engine)
        for layout, people in (("spread over 100 chats", [n % 100 for n in range(rows)]),
                               ("in one chat ahead of 100 others",
                                [100] * rows + list(range(100)))):
            with SqlUnitOfWork(database.engine) as uow:
                uow.outbox.add([OutboxRow(members[n].id, f"telegram:{100000 + n}", None,
                                          Language.EN, TEXT, [], None, None, START)
                                for n in people])
                uow.commit()
            moments = []
            for _ in range(max(repeat, 3)):
                wall = time.perf_counter()
                fetched = queue.waiting(["telegram"], START, 100)
                moments.append(time.perf_counter() - wall)
            print(f"fetch of {len(fetched)} with {rows:,} waiting {layout}: "
                  f"{statistics.median(moments) * 1e3:.0f} ms (median of {len(moments)})")
            with database.engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM outbox")
    finally:
        database.close()


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--held", action="store_true")
    parser.add_argument("--backlog", type=int, default=0)
    parser.add_argument("--fetch", type=int, default=0)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    if args.fetch:
        with tempfile.TemporaryDirectory() as folder:
            time_fetch(args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}",
                       args.fetch, args.repeat)
        return
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
            runs.append(asyncio.run(one_run(url, args.chats, args.held, args.backlog)))
            if args.database_url:
                break  # the database is not empty any more
    runs.sort()
    virtual = statistics.median(r[0] for r in runs)
    wall = statistics.median(r[1] for r in runs)
    cpu = statistics.median(r[2] for r in runs)
    ideal = max((args.chats + args.backlog - 1) / TELEGRAM.overall_per_second,
                (args.backlog - 1) * TELEGRAM.chat_interval)
    print(f"fan-out to {args.chats} chats at Telegram's pace"
          f"{' (one chat held 30 s)' if args.held else ''}"
          f"{f' after {args.backlog} messages to one chat' if args.backlog else ''}"
          ": all sent once, none lost")
    print(f"  virtual time   {virtual:8.2f} s   (ideal {ideal:.2f} s, ratio {virtual / ideal:.3f})")
    print(f"  real time      {wall:8.2f} s   ({args.chats / wall:,.0f} messages/s of dispatch "
          "work, far above 30/s)")
    print(f"  CPU / message  {cpu * 1e6:8.0f} µs")
    if args.backlog:
        fan_out, busy = runs[len(runs) // 2][3], runs[len(runs) // 2][4]
        print(f"  the {args.chats} other chats got theirs from {fan_out[0]:.2f} s to "
              f"{fan_out[-1]:.2f} s (half by {fan_out[len(fan_out) // 2]:.2f} s); the backlog "
              f"went out from {busy[0]:.2f} s to {busy[-1]:.2f} s, one a second")


if __name__ == "__main__":
    main()
