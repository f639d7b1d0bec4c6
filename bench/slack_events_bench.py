"""Benchmark of Slack events through the whole product, against slack-bolt dispatching the same
events to a no-op listener in the same run.

Usage: python bench/slack_events_bench.py [--users N] [--events M] [--in-flight F]
                                          [--repeat R] [--database-url URL]

M Events API requests (default 2,000; distinct event ids) of DMs to the bot from N members
(default 300, in teams of eight): ½ text the bot does not understand, ¼ ``/help``, ¼ ``/team``,
each signed as Slack signs them (before the clock starts), handed over as bolt's aiohttp adapter
hands them, F at a time (default 100: Slack's concurrent requests).

* **bolt**: an ``AsyncApp`` with one ``@app.event("message")`` listener that only acks, with
  the bot token, the signature checked and ``process_before_response`` as peerdesk's, bolt's
  defaults otherwise (peerdesk's own skips three middleware it has no use for); done when every
  ``async_dispatch`` has answered.
* **peerdesk**: the SlackAdapter's HTTP endpoint (bench/slack_product.py,
  ``SlackHttpServer.answer``): signature check and journal (group-committed) at the door before
  the 200, then bolt's dispatch, queue, profile (cached), help desk, reply committed in the
  outbox, on a SQLite file — and on PostgreSQL with ``--database-url`` or
  ``PEERDESK_TEST_POSTGRES_URL``, in a fresh database dropped after; done when every dispatch
  has answered 200 *and* every event is handled (``adapter.queued()``). Delivery not included.
* **peerdesk, help desk in its own process**: the same, with ``[storage] desk_process = true``:
  the adapter's process parses, records, acknowledges and queues; a second process (the real
  bot/desk_process.py worker) handles each group and commits its replies. Needs a spare core.

Each of R rounds measures both; reported: events/s of each, the ratio peerdesk/bolt (target
≥ 0.5), medians over the rounds, and the peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core_bench import peak_rss_mb
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_product import Events, Signed, bolt_request, local_slack, replies, running_product
from slack_sdk.web.async_client import AsyncWebClient
from telegram_product import people

from bot.slack.adapter import SlackAdapter
from tests.databases import fresh_postgres_database
from tests.slack.running import SIGNING_SECRET
from tests.slack.web_api_server import SlackServer


def no_op_bolt(server: SlackServer) -> AsyncApp:
    """The baseline: bolt with one listener that acks (bolt's defaults, but for what
    peerdesk's AsyncApp also sets: the signature checked, the listener awaited)."""
    bolt = AsyncApp(client=AsyncWebClient(token=server.bot_token, base_url=server.api_url),
                    signing_secret=SIGNING_SECRET, process_before_response=True,
                    raise_error_for_unhandled_request=False)

    @bolt.event("message")
    async def no_op(ack: AsyncAck) -> None:
        await ack()

    return bolt


Handler = Callable[[AsyncBoltRequest], Awaitable[BoltResponse]]


async def dispatch(handler: Handler, requests: list[Signed], in_flight: int) -> Counter[int]:
    """Every request through ``handler``, ``in_flight`` at a time; the answers' statuses."""
    gate = asyncio.Semaphore(in_flight)
    statuses: Counter[int] = Counter()

    async def one(signed: Signed) -> None:
        async with gate:
            answer = await handler(bolt_request(signed))
        statuses[answer.status] += 1

    await asyncio.gather(*(one(signed) for signed in requests))
    return statuses


def _endpoint(adapter: SlackAdapter) -> Handler:
    assert adapter.server is not None, "the product runs in HTTP mode"
    return adapter.server.answer


async def measure(target: AsyncApp | SlackAdapter, requests: list[Signed],
                  in_flight: int) -> float:
    """Events/s: until every request was answered (and, for peerdesk, handled, its reply in
    the outbox)."""
    adapter = target if isinstance(target, SlackAdapter) else None
    # peerdesk's HTTP endpoint takes a request as bolt's aiohttp adapter hands it over: the
    # door (signature, journal, 200), bolt's dispatch after; bolt's no-op app, async_dispatch.
    handler = target.async_dispatch if isinstance(target, AsyncApp) else _endpoint(target)
    before = await adapter.app.database.run(lambda: replies(adapter.app.database)) \
        if adapter else 0
    started = time.perf_counter()
    statuses = await dispatch(handler, requests, in_flight)
    if adapter is not None:
        await adapter.queued()
    seconds = time.perf_counter() - started
    if statuses != Counter({200: len(requests)}):
        raise SystemExit(f"answers: {dict(statuses)}")
    if adapter is not None:
        after = await adapter.app.database.run(lambda: replies(adapter.app.database))
        if after - before != len(requests):
            raise SystemExit(f"{after - before} replies in the outbox for {len(requests)} events")
    return len(requests) / seconds


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    users = people(args.users)
    events = Events(args.seed, users)
    postgres = args.database_url or os.environ.get("PEERDESK_TEST_POSTGRES_URL", "")
    backends = ["sqlite"] + (["postgresql"] if postgres else [])
    # Each database twice: the help desk in the adapter's process, and in its own.
    products = {name: (backend, desk) for backend in backends
                for name, desk in ((backend, False), (f"{backend}, help desk in its own process",
                                                      True))}
    rates: dict[str, list[float]] = {name: [] for name in ["bolt", *products]}
    with tempfile.TemporaryDirectory(prefix="peerdesk-slack-bench-") as folder, \
            contextlib.ExitStack() as stack:
        async with local_slack(users) as server, contextlib.AsyncExitStack() as running:
            targets: dict[str, AsyncApp | SlackAdapter] = {"bolt": no_op_bolt(server)}
            for number, (name, (backend, desk)) in enumerate(products.items()):
                place = Path(folder) / f"{number}-{backend}"
                place.mkdir()
                url = stack.enter_context(fresh_postgres_database(postgres, "peerdesk_bench")) \
                    if backend == "postgresql" else f"sqlite:///{place}/bench.db"
                targets[name] = await running.enter_async_context(running_product(
                    server.api_url, place, url, users, desk_process=desk))
            warm = events.batch(len(users))  # every member once: profiles, caches, queries
            for target in targets.values():
                await measure(target, warm, args.in_flight)
            for round_ in range(args.repeat):
                batch = events.batch(args.events)
                for name, target in targets.items():
                    rates[name].append(await measure(target, batch, args.in_flight))
                print(f"round {round_ + 1}: " + ", ".join(
                    f"{name} {r[-1]:,.0f}/s" for name, r in rates.items()), flush=True)
            peak = peak_rss_mb()
    bolt = statistics.median(rates["bolt"])
    print(f"\n{args.events:,} DM events from {args.users:,} members (½ text, ¼ /help, ¼ /team), "
          f"{args.in_flight} in flight, median of {args.repeat}; peak RSS {peak:.0f} MB")
    print("| dispatch | events/s (min-max) | ratio to bolt |\n| --- | ---: | ---: |")
    print(f"| bolt, no-op listener | {bolt:,.0f} ({min(rates['bolt']):,.0f}-"
          f"{max(rates['bolt']):,.0f}) | 1 |")
    verdicts = []
    for name in products:
        ratios = [r / b for r, b in zip(rates[name], rates["bolt"], strict=True)]
        ratio = statistics.median(ratios)
        verdicts.append(f"{name}: {'met' if ratio >= 0.5 else 'MISSED'}")
        print(f"| peerdesk, {name} | {statistics.median(rates[name]):,.0f} "
              f"({min(rates[name]):,.0f}-{max(rates[name]):,.0f}) | **{ratio:.2f}** "
              f"({min(ratios):.2f}-{max(ratios):.2f}) |")
    print(f"\ntarget: ratio ≥ 0.5 — {'; '.join(verdicts)}")
    return 0 if all(verdict.endswith("met") for verdict in verdicts) else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--in-flight", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (see above)")
    return parser.parse_args()


if __name__ == "__main__":
    started = time.perf_counter()
    code = asyncio.run(main(parse_args()))
    print(f"(whole run {time.perf_counter() - started:.0f} s)")
    sys.exit(code)
