"""Benchmark of Telegram updates through the whole product, against a bare python-telegram-bot
echo bot on the same local Bot API server.

Usage: python bench/telegram_updates_bench.py [--users N] [--updates M] [--repeat R]
                                              [--database-url URL]

A local Bot API server (tests/telegram/, aiohttp on 127.0.0.1, in a process of its own: see
telegram_server.py) serves two bots. Both are sent the same M updates (default 2,000) at once
from N distinct users (default 1,000, all onboarded members in teams of eight): half plain
text (the bot answers that it did not understand), a quarter ``/help``, a quarter ``/team``;
one reply each. An update is done when its reply reached the server (sendMessage accepted).

* **peerdesk**: getUpdates by our TelegramAdapter → journal → help desk (HelpDesk) →
  database (a SQLite file; also PostgreSQL with ``--database-url`` or
  ``PEERDESK_TEST_POSTGRES_URL``, in a fresh database created there and dropped after) →
  outbox → our Dispatcher → TelegramChannel → sendMessage. As ``peerdesk run`` runs it, except
  that ``[delivery.telegram]`` sets no limits (and the server enforces none): this measures the
  product's throughput, not Telegram's 30 messages/s.
* **echo**: a bare PTB ``Application`` polling with its Updater, one ``MessageHandler`` that
  replies with the text (PTB's defaults: one update at a time, as our adapter).

Each of R rounds measures both (echo first, then each database); reported: updates/s of each,
the ratio peerdesk/echo (target ≥ 0.5), medians over the rounds, and the peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core_bench import peak_rss_mb
from telegram import Update
from telegram.ext import ContextTypes, MessageHandler, Updater, filters
from telegram_product import Person, application_for, people, running_product
from telegram_server import ServerProcess

from tests.databases import fresh_postgres_database

# No limits in the product's pacing: the throughput of the product, not Telegram's pace.
CONFIG = """
[translation]
providers = ["apertium"]

[delivery.telegram]
chat_interval_seconds = 0
overall_per_second = 0
group_per_minute = 0
"""
MIX = (("plain", 0.5), ("/help", 0.25), ("/team", 0.25))
PLAIN = ("hello, is anyone there?", "olá, bom dia", "hola, ¿cómo funciona esto?",
         "bonjour, j'ai une question")


def make_updates(rng: random.Random, users: list[Person], count: int) -> list[list[Any]]:
    """``count`` messages from distinct users in turn (shuffled), in the mix above."""
    out: list[list[Any]] = []
    order = list(users)
    rng.shuffle(order)
    for number in range(count):
        person = order[number % len(order)]
        kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        text = PLAIN[LANGUAGES_INDEX[person.language]] if kind == "plain" else kind
        out.append([*person.as_json(), text])
    return out


LANGUAGES_INDEX = {"en": 0, "pt": 1, "es": 2, "fr": 3}


async def measure(server: ServerProcess, bot: str, updates: list[list[Any]]) -> float:
    """Push the updates at once; updates/s until the last reply reached the server."""
    await server.command(bot, "messages", {"messages": updates})
    answer = await server.command(bot, "wait", replies=len(updates), within=300)
    if not answer["done"]:
        raise SystemExit(f"{bot}: only {answer['replies']} of {len(updates)} replies arrived")
    return len(updates) / float(answer["seconds"])


@contextlib.asynccontextmanager
async def echo_bot(token: str, base: str) -> AsyncIterator[None]:
    """The bare python-telegram-bot echo bot, polling until the block ends."""
    application = application_for(token, base)
    application.updater = Updater(application.bot, application.update_queue)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is not None and update.message.text is not None:
            await update.message.reply_text(update.message.text)

    application.add_handler(MessageHandler(filters.TEXT, echo))
    async with application:
        await application.updater.start_polling(timeout=25)
        await application.start()
        try:
            yield
        finally:
            await application.updater.stop()
            await application.stop()


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    rng = random.Random(args.seed)
    users = people(args.users)
    postgres = args.database_url or os.environ.get("PEERDESK_TEST_POSTGRES_URL", "")
    backends = ["sqlite"] + (["postgresql"] if postgres else [])
    server = ServerProcess(["echo", *backends])
    rates: dict[str, list[float]] = {name: [] for name in ["echo", *backends]}
    try:
        with tempfile.TemporaryDirectory(prefix="peerdesk-tg-bench-") as folder, \
                contextlib.ExitStack() as stack:
            urls = {"sqlite": f"sqlite:///{folder}/sqlite/bench.db"}
            if postgres:
                urls["postgresql"] = stack.enter_context(
                    fresh_postgres_database(postgres, "peerdesk_bench"))
            async with contextlib.AsyncExitStack() as bots:
                await bots.enter_async_context(echo_bot(*server.bots["echo"]))
                for name in backends:
                    (Path(folder) / name).mkdir()
                    await bots.enter_async_context(running_product(
                        CONFIG, Path(folder) / name, urls[name], *server.bots[name], users))
                warm = make_updates(rng, users, 100)
                for name in rates:
                    await measure(server, name, warm)  # connections, caches, first queries
                for round_ in range(args.repeat):
                    batch = make_updates(rng, users, args.updates)
                    for name in rates:
                        rates[name].append(await measure(server, name, batch))
                    print(f"round {round_ + 1}: " + ", ".join(
                        f"{name} {r[-1]:,.0f}/s" for name, r in rates.items()), flush=True)
                peak = peak_rss_mb()
    finally:
        await server.close()
    echo = statistics.median(rates["echo"])
    print(f"\n{args.updates:,} updates from {args.users:,} users (½ text, ¼ /help, ¼ /team), "
          f"median of {args.repeat}; peak RSS of this process {peak:.0f} MB")
    print("| bot | updates/s (min-max) | ratio to echo |\n| --- | ---: | ---: |")
    print(f"| bare PTB echo bot | {echo:,.0f} ({min(rates['echo']):,.0f}-"
          f"{max(rates['echo']):,.0f}) | 1 |")
    ok = True
    for name in backends:
        ratios = [r / e for r, e in zip(rates[name], rates["echo"], strict=True)]
        ratio = statistics.median(ratios)
        ok = ok and ratio >= 0.5
        print(f"| peerdesk, {name} | {statistics.median(rates[name]):,.0f} "
              f"({min(rates[name]):,.0f}-{max(rates[name]):,.0f}) | **{ratio:.2f}** "
              f"({min(ratios):.2f}-{max(ratios):.2f}) |")
    print(f"\ntarget: ratio ≥ 0.5 — {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (see above)")
    return parser.parse_args()


if __name__ == "__main__":
    started = time.perf_counter()
    code = asyncio.run(main(parse_args()))
    print(f"(whole run {time.perf_counter() - started:.0f} s)")
    sys.exit(code)
