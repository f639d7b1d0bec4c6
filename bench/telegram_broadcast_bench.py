"""Benchmark of a broadcast to 1,000 Telegram members in four languages, in real time, with the
local Bot API server enforcing Telegram's limits.

Usage: python bench/telegram_broadcast_bench.py [--members N] [--repeat R]

A local Bot API server (tests/telegram/, aiohttp on 127.0.0.1, in a process of its own: see
telegram_server.py) enforces Telegram's limits (tests/telegram/limits.py: 1 message/s per
chat, 30/s overall, 20/min per group; beyond them 429 with ``retry_after``). peerdesk runs as
``peerdesk run`` does (telegram_product.py): its TelegramAdapter polling, the help desk on a
SQLite file, the translation stage with the project's offline provider (Apertium, the
``apertium`` command), and the Dispatcher sending through TelegramChannel with
``[delivery.telegram]`` at Telegram's published limits (the defaults).

N members (default 1,000; English, Portuguese, Spanish, French in turn, in teams of eight)
and a coordinator (English, in no team) are seeded. The coordinator, in Telegram, sends
``/broadcast everyone`` and an English text, presses *Now*, then *Confirm*: measured from the
Confirm press reaching the server until the last member's message arrived there (target
≤ 1.05 x N/30 s: 35 s for 1,000), and checked: every member got exactly one message, in
their language (none lost, none twice), and how many sends the server refused with 429.
A new broadcast R times (one server, one database), median reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from apertium_bench import apy_server
from core_bench import peak_rss_mb
from telegram_product import Person, people, running_product
from telegram_server import ServerProcess

COORDINATOR = Person(9_000_000, "Carla", "en")
CONFIG = f"""
[helpdesk]
coordinators = ["telegram:{COORDINATOR.user_id}"]

[translation]
providers = ["apertium"]

[translation.apertium]
apy_url = "{{apy}}"
"""
PACE = 30.0  # Telegram's messages per second overall, as the server enforces it
TEXT = ("The second dissemination seminar is on 2026-04-15 at 14:00 UTC. Each team presents "
        "its results in ten minutes; please send your slides to the help desk before the "
        "tenth of April.")
GREETING = {"en": "📣", "pt": "Da central de ajuda", "es": "De la mesa de ayuda",
            "fr": "Du service d'assistance"}


async def step(server: ServerProcess, command: str, body: dict[str, Any]) -> None:
    """The coordinator writes or presses; wait for the bot's answer."""
    answer = await server.command("bot", command, body)
    if command == "press" and answer["data"] is None:
        raise SystemExit(f"no button {body['prefix']!r} in the coordinator's chat")
    waited = await server.command("bot", "wait", replies=1, within=30)
    if not waited["done"]:
        raise SystemExit(f"no answer to the coordinator's {body}")


async def broadcast(server: ServerProcess, members: list[Person], number: int) -> dict[str, Any]:
    """One broadcast, Confirm to the last member; what the server saw."""
    me = COORDINATOR.as_json()
    await step(server, "messages", {"messages": [[*me, "/broadcast everyone"]]})
    await step(server, "messages", {"messages": [[*me, f"{TEXT} (#{number})"]]})
    await step(server, "press", {"user_id": me[0], "name": me[1], "language": me[2],
                                 "prefix": "bc:now"})
    # Confirm: the server's mark (time zero) is this press reaching it.
    answer = await server.command("bot", "press", {"user_id": me[0], "name": me[1],
                                                   "language": me[2], "prefix": "bc:ok:"})
    if answer["data"] is None:
        raise SystemExit("no Confirm button in the preview")
    reached = await server.command("bot", "wait", chats=len(members),
                                   exclude=COORDINATOR.user_id, within=180)
    await asyncio.sleep(5)  # anything sent twice, or late, would arrive now
    show = ",".join(str(p.user_id) for p in members[:4])
    final = await server.command("bot", "wait", exclude=COORDINATOR.user_id, show=show)
    final["reached"] = reached
    return final


class Timed:
    """Times the calls of an async method of one object (the translation stage's rounds)."""

    def __init__(self, owner: Any, name: str) -> None:
        self.spans: list[tuple[float, float]] = []
        self.method: Callable[..., Awaitable[Any]] = getattr(owner, name)
        setattr(owner, name, self)

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            return await self.method(*args, **kwargs)
        finally:
            self.spans.append((started, time.monotonic()))

    def longest_since(self, moment: float) -> float:
        """The longest call that started after ``moment``."""
        return max((end - start for start, end in self.spans if start >= moment), default=0.0)


def pacing(final: dict[str, Any]) -> tuple[float, float, int]:
    """(first arrival, messages/s from it to the last member's, messages in between): every
    accepted message counts, the coordinator's too, since they share Telegram's 30/s."""
    last = float(final["reached"]["last_first"])
    times = [float(moment) for moment, _chat in final["arrivals"] if moment <= last]
    span = times[-1] - times[0]
    return times[0], (len(times) - 1) / span if span else float("nan"), len(times)


def check(final: dict[str, Any], members: list[Person], number: int) -> tuple[int, int, int]:
    """(lost, twice, wrong language) among the members."""
    per_chat = final["per_chat"]
    lost = sum(1 for p in members if per_chat.get(str(p.user_id), 0) == 0)
    twice = sum(1 for p in members if per_chat.get(str(p.user_id), 0) > 1)
    wrong = 0
    for person in members[:4]:
        texts = final["texts"][str(person.user_id)]
        if not texts or GREETING[person.language] not in texts[-1] or f"#{number}" not in \
                texts[-1]:
            wrong += 1
    return lost, twice, wrong


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    members = people(args.members)
    backend = apy_server(None) if args.backend == "apy" else contextlib.nullcontext("")
    server = ServerProcess(["bot"])
    rows: list[dict[str, Any]] = []
    ok = True
    target = 1.05 * args.members / 30
    try:
        await server.command("bot", "limits", {})
        with tempfile.TemporaryDirectory(prefix="peerdesk-tg-broadcast-") as folder, \
                backend as apy:
            async with running_product(CONFIG.format(apy=apy), Path(folder),
                                       f"sqlite:///{folder}/bench.db", *server.bots["bot"],
                                       members, COORDINATOR) as app:
                translation = Timed(app.translation, "run_once")
                for number in range(1, args.repeat + 1):
                    confirm = time.monotonic()
                    final = await broadcast(server, members, number)
                    first, rate, messages = pacing(final)
                    lost, twice, wrong = check(final, members, number)
                    reached = final["reached"]
                    seconds = reached["last_first"] if reached["done"] else float("inf")
                    refused = final["refused"]
                    row = {"seconds": seconds, "first": first, "lost": lost, "twice": twice,
                           "wrong": wrong, "refused": refused, "rate": rate,
                           "messages": messages,
                           "translate": translation.longest_since(confirm - 1)}
                    rows.append(row)
                    ok = ok and seconds <= target and not lost and not twice and not wrong
                    print(f"broadcast {number}: last member after {seconds:.2f} s; first message "
                          f"after {first:.2f} s (translation {row['translate']:.2f} s); then "
                          f"{messages} messages (the coordinator's too) at {rate:.2f}/s; lost "
                          f"{lost}, twice {twice}, wrong language {wrong}; 429s "
                          f"{sum(refused.values())} {refused or ''}", flush=True)
            peak = peak_rss_mb()
    finally:
        await server.close()
    times = [row["seconds"] for row in rows]
    print(f"\nbroadcast to {args.members:,} members (en/pt/es/fr, Apertium {args.backend}), "
          f"server enforcing Telegram's limits; median of {args.repeat}; peak RSS {peak:.0f} MB")
    print("| measure | median (min-max) | target |\n| --- | ---: | ---: |")
    print(f"| Confirm → last member's message | **{statistics.median(times):.1f} s** "
          f"({min(times):.1f}-{max(times):.1f}) | ≤ {target:.1f} s |")
    print(f"| Confirm → first message (handling, delivery tick, translation "
          f"{statistics.median(row['translate'] for row in rows):.1f} s) | "
          f"{statistics.median(row['first'] for row in rows):.1f} s | |")
    rate = statistics.median(row["rate"] for row in rows)
    sent = statistics.median(row["messages"] for row in rows)
    print(f"| first message → last member's: {sent:,.0f} messages at | {rate:.1f}/s "
          f"({(sent - 1) / rate:.1f} s) | {PACE:.0f}/s ({(sent - 1) / PACE:.1f} s) |")
    print(f"| members lost / twice / wrong language | "
          f"{sum(r['lost'] for r in rows)} / {sum(r['twice'] for r in rows)} / "
          f"{sum(r['wrong'] for r in rows)} | 0 |")
    print(f"| 429s from the server (per broadcast) | "
          f"{', '.join(str(sum(r['refused'].values())) for r in rows)} | |")
    print(f"\ntarget: ≤ {target:.1f} s, none lost — {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=("cli", "apy"), default="cli",
                        help="Apertium through its command (the default configuration) or APy")
    return parser.parse_args()


if __name__ == "__main__":
    started = time.perf_counter()
    code = asyncio.run(main(parse_args()))
    print(f"(whole run {time.perf_counter() - started:.0f} s)")
    sys.exit(code)
