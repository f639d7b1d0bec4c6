"""Benchmark of peerdesk's acknowledgement latency under a burst of Slack events in Socket Mode,
the mode peerdesk runs in by default.

Usage: python bench/slack_socket_ack_bench.py [--users N] [--burst B] [--repeat R]
                                              [--database-url URL]

Slack's side is the local Slack of tests/slack/ in a process of its own (``--serve``): its Web
API on 127.0.0.1 (users.info for the profiles, apps.connections.open) and its Socket Mode
WebSocket. peerdesk runs as ``peerdesk run`` runs it in Socket Mode (bot/slack/wiring.py):
slack_sdk's Socket Mode client, bolt, each event recorded in the journal before its ack. For
each burst Slack's side writes B Events API envelopes (default 1,000; DMs from N members,
default 300, the events benchmark's mix) to the WebSocket one after the other as fast as it
can, and times each from just before writing it to the moment its ack is read — Slack's 3 s
clock. Between bursts every event is handled (replies committed in the outbox, not delivered).
A first burst fills the profile cache; then R bursts (default 5) are measured, on a SQLite file
and, with ``--database-url`` or ``PEERDESK_TEST_POSTGRES_URL``, on a fresh PostgreSQL database.

The same bursts are first acknowledged by bolt's own no-op app (one ``message`` listener that
acks) over the same kind of connection, for reference. Reported: p50 / p95 / p99 / max (medians
over the bursts; target for peerdesk p99 < 300 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_ack_bench import QUANTILES, burst_arguments, labelled, print_table, summary
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_product import LOCALES, replies, running_product, slack_user, texts
from slack_sdk.web.async_client import AsyncWebClient
from telegram_product import people

from bot.slack.adapter import SlackAdapter
from tests.databases import fresh_postgres_database
from tests.slack.running import dm_event, event_callback
from tests.slack.socket_mode import SocketModeHub
from tests.slack.web_api import APP_TOKEN, BOT_TOKEN
from tests.slack.web_api_server import SlackServer


class TimedAcks(dict[str, Any]):
    """The hub's acks, each with the moment it was read."""

    def __init__(self) -> None:
        super().__init__()
        self.at: dict[str, float] = {}

    def __setitem__(self, key: str, value: Any) -> None:
        self.at.setdefault(key, time.perf_counter())
        super().__setitem__(key, value)


# Slack's side (--serve): a process of its own.

async def serve(args: argparse.Namespace) -> None:
    """The local Slack with the members; one JSON line out with its address, then for each
    ``{"burst": B}`` line in, B envelopes written and one JSON line out with their latencies."""
    users = people(args.users)
    server = SlackServer()
    acks = TimedAcks()
    server.socket_mode.acks = acks
    await server.start()
    for person in users:
        server.workspace.add_user(slack_user(person), person.name,
                                  locale=LOCALES[person.language])
        server.workspace.dm(slack_user(person))
    print(json.dumps({"api_url": server.api_url}), flush=True)
    rng = random.Random(args.seed)
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    numbered = 0
    try:
        while line := await reader.readline():
            count = int(json.loads(line)["burst"])
            events = texts(rng, users, count)
            payloads = []
            for person, text in events:
                numbered += 1
                event = dm_event(slack_user(person), text,
                                 ts=f"1800000000.{numbered:06d}")
                payloads.append(event_callback(event, event_id=f"Ev{numbered:010d}"))
            latencies = await _burst(server.socket_mode, acks, payloads)
            print(json.dumps({"latencies": latencies}), flush=True)
    finally:
        await server.stop()


async def _burst(hub: SocketModeHub, acks: TimedAcks,
                 payloads: list[dict[str, Any]]) -> list[float]:
    await hub.wait_connected()
    socket = hub.sockets[-1]
    sent: dict[str, float] = {}
    for payload in payloads:
        envelope_id = str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "type": "events_api", "payload": payload,
                    "accepts_response_payload": False, "retry_attempt": 0, "retry_reason": ""}
        sent[envelope_id] = time.perf_counter()
        await socket.send_str(json.dumps(envelope))
    deadline = time.perf_counter() + 60
    while any(envelope_id not in acks.at for envelope_id in sent):
        if time.perf_counter() > deadline:
            raise SystemExit("acks missing after 60 s")
        await asyncio.sleep(0.01)
    return [acks.at[envelope_id] - moment for envelope_id, moment in sent.items()]


# The app's side.

class Slack:
    """The Slack process, spoken to over its standard input and output."""

    def __init__(self, process: asyncio.subprocess.Process, api_url: str) -> None:
        self.process = process
        self.api_url = api_url

    async def burst(self, count: int) -> list[float]:
        """Have it write ``count`` envelopes; their ack latencies in seconds."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"burst": count}).encode() + b"\n")
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise SystemExit("the Slack process ended")
        return list(json.loads(line)["latencies"])


@contextlib.asynccontextmanager
async def slack_process(args: argparse.Namespace) -> AsyncIterator[Slack]:
    """Start Slack's side; stop it at the end."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", "--users", str(args.users), "--seed",
        str(args.seed), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        env=environ)
    assert process.stdout is not None
    first = await process.stdout.readline()
    try:
        yield Slack(process, json.loads(first)["api_url"])
    finally:
        if process.stdin is not None:
            process.stdin.close()
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        await process.wait()


@contextlib.asynccontextmanager
async def no_op_bolt(api_url: str) -> AsyncIterator[None]:
    """The reference: bolt's app with one listener that acks, over Socket Mode."""
    client = AsyncWebClient(token=BOT_TOKEN, base_url=api_url)
    bolt = AsyncApp(client=client, signing_secret="", process_before_response=True,
                    request_verification_enabled=False, raise_error_for_unhandled_request=False)

    @bolt.event("message")
    async def no_op(ack: AsyncAck) -> None:
        await ack()

    handler = AsyncSocketModeHandler(bolt, APP_TOKEN, web_client=client)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        if client.session is not None:
            await client.session.close()


async def measure(name: str, slack: Slack, adapter: SlackAdapter | None,
                  args: argparse.Namespace) -> list[dict[str, float]]:
    """A first burst (cold), then the measured ones, printed as they come."""
    results = []
    for number in range(args.repeat + 1):
        before = await adapter.app.database.run(lambda: replies(adapter.app.database)) \
            if adapter else 0
        started = time.perf_counter()
        figures = summary(await slack.burst(args.burst))
        if adapter is not None:
            await adapter.queued()
            after = await adapter.app.database.run(lambda: replies(adapter.app.database))
            if after - before != args.burst:
                raise SystemExit(f"{after - before} replies for {args.burst} events")
        done = time.perf_counter() - started
        label = "first burst (cold)" if number == 0 else f"burst {number}"
        print(f"{name}, {label}: " + ", ".join(f"{q} {figures[q]:.0f} ms" for q in QUANTILES)
              + f"; done in {done:.1f} s", flush=True)
        if number:
            results.append(figures)
    return results


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    users = people(args.users)
    postgres = args.database_url or os.environ.get("PEERDESK_TEST_POSTGRES_URL", "")
    backends = ["sqlite"] + (["postgresql"] if postgres else [])
    results: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="peerdesk-slack-socket-") as folder, \
            contextlib.ExitStack() as stack:
        urls = {"sqlite": f"sqlite:///{folder}/sqlite/bench.db"}
        if postgres:
            urls["postgresql"] = stack.enter_context(
                fresh_postgres_database(postgres, "peerdesk_bench"))
        for name in ["bolt", *backends]:  # one at a time, each with a Slack of its own
            async with slack_process(args) as slack:
                if name == "bolt":
                    async with no_op_bolt(slack.api_url):
                        results[name] = await measure(name, slack, None, args)
                    continue
                (Path(folder) / name).mkdir()
                async with running_product(slack.api_url, Path(folder) / name, urls[name],
                                           users, mode="socket",
                                           desk_process=args.desk_process) as adapter:
                    results[name] = await measure(name, slack, adapter, args)
    return print_table(labelled(results, args), {"bolt": "bolt, no-op listener"},
                       f"acks of {args.burst:,} DM events written at once by Slack over Socket "
                       f"Mode, {args.users:,} members, 127.0.0.1; median of {args.repeat} bursts "
                       "(max: the worst)")


def parse_args() -> argparse.Namespace:
    parser = burst_arguments()
    parser.description = __doc__.splitlines()[0]
    parser.add_argument("--serve", action="store_true", help="be Slack's side (internal)")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.serve:
        asyncio.run(serve(arguments))
        sys.exit(0)
    started = time.perf_counter()
    code = asyncio.run(main(arguments))
    print(f"(whole run {time.perf_counter() - started:.0f} s)")
    sys.exit(code)
