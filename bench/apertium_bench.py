"""Benchmark of the offline translator: words per second through APy and through the command.

Usage: python bench/apertium_bench.py [--repeat N] [--concurrency K] [--apy-url URL]

Translates a paragraph of about 300 English words into Spanish, and its Spanish translation
into Portuguese, with ``ApertiumApy`` (an APy server: the one at ``--apy-url``, or one started
here with ``scripts/apy`` on a free 127.0.0.1 port) and with ``ApertiumCli`` (one ``apertium``
process per text). Each backend is warmed up with one call per direction (APy starts its
pipelines then), then measured twice: one text at a time (``--repeat`` texts, the median is
reported) and ``--concurrency`` texts at a time (``--repeat`` rounds, wall clock over all).
Words are the source text's whitespace-separated words.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.translation.apertium import ApertiumApy, ApertiumCli
from handlers.domain import Language

ROOT = Path(__file__).resolve().parent.parent

PARAGRAPH = (
    "Every project team in the programme meets once a week to look at what was done, what is "
    "late and what needs help from outside the team. The leader opens the meeting with the list "
    "of tasks and asks each member to say in two or three sentences where their work stands. "
    "When a deliverable is ready, the member who wrote it sends the file to the help desk, and "
    "the coordinator chooses a reviewer who knows the subject but did not take part in the work. "
    "The reviewer reads the document carefully, checks the figures against the sources, and "
    "writes comments that are short, precise and kind. A good comment says what is wrong, why it "
    "matters and what could be done instead; it never attacks the person who wrote the text. "
    "The team then has one week to answer every comment, either by changing the document or by "
    "explaining why the original choice was right. Most reports need two rounds of review, and a "
    "few need three, especially when the budget changes or when a partner joins late. The "
    "coordinator follows the reviews from the overview and sends a reminder when a team has not "
    "answered in time. Teams in different countries often write in different languages, so the "
    "help desk translates questions, comments and answers as they arrive, and keeps the original "
    "text next to the translation for anyone who wants to check a word. Names of people, file "
    "names, links and numbers are never translated. At the end of the programme each team "
    "presents its final report to the others, and the reviewers explain what they learned from "
    "reading so many different projects. Many members say that the reviews were the most useful "
    "part of the whole programme, because they learned to write for readers who do not share "
    "their background, their habits or their first language."
)


@dataclass
class Row:
    backend: str
    direction: str
    words: int
    single_s: float
    single_wps: float
    batch_wps: float


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def apy_server(url: str | None) -> Iterator[str]:
    """The given APy URL, or one started with scripts/apy (and killed afterwards)."""
    if url:
        yield url
        return
    port = free_port()
    server = subprocess.Popen([str(ROOT / "scripts" / "apy"), str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise SystemExit(f"scripts/apy exited with {server.returncode}")
            with suppress(httpx.HTTPError):
                if httpx.get(f"{url}/listPairs", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("APy did not answer in 60 s")
            time.sleep(0.2)
        yield url
    finally:
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


async def measure(provider: ApertiumApy | ApertiumCli, backend: str, text: str,
                  source: Language, target: Language, args: argparse.Namespace) -> Row:
    """One direction through one backend: single texts, then concurrent batches."""
    words = len(text.split())
    await provider.translate(text, source, target)  # warm-up
    singles = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        await provider.translate(text, source, target)
        singles.append(time.perf_counter() - start)
    start = time.perf_counter()
    for _ in range(args.repeat):
        await asyncio.gather(*(provider.translate(text, source, target)
                               for _ in range(args.concurrency)))
    batch_seconds = time.perf_counter() - start
    single = statistics.median(singles)
    return Row(backend, f"{source.value}→{target.value}", words, single, words / single,
               words * args.repeat * args.concurrency / batch_seconds)


async def main(args: argparse.Namespace) -> int:
    cli = ApertiumCli(concurrency=args.concurrency)
    spanish = await cli.translate(PARAGRAPH, Language.EN, Language.ES)
    texts = [(PARAGRAPH, Language.EN, Language.ES), (spanish, Language.ES, Language.PT)]
    rows: list[Row] = []
    with apy_server(args.apy_url) as url:
        apy = ApertiumApy(url)
        try:
            for text, source, target in texts:
                rows.append(await measure(apy, "APy", text, source, target, args))
        finally:
            await apy.aclose()
    for text, source, target in texts:
        rows.append(await measure(cli, "CLI", text, source, target, args))
    await cli.aclose()
    report(rows, args)
    return 0


def report(rows: list[Row], args: argparse.Namespace) -> None:
    """The table, and the machine it ran on."""
    print(f"CPUs {os.cpu_count()} | Python {platform.python_version()} | "
          f"{args.repeat} texts one at a time, {args.repeat} rounds of {args.concurrency} at a "
          f"time")
    print(f"{'backend':<8} {'pair':<6} {'words':>6} {'s/text':>8} {'words/s':>9} "
          f"{'words/s x' + str(args.concurrency):>12}")
    for r in rows:
        print(f"{r.backend:<8} {r.direction:<6} {r.words:>6} {r.single_s:>8.3f} "
              f"{r.single_wps:>9.0f} {r.batch_wps:>12.0f}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=5, help="texts (and rounds) per measure")
    parser.add_argument("--concurrency", type=int, default=4,
                        help="texts in flight in the batch measure (and CLI processes at once)")
    parser.add_argument("--apy-url", default=None,
                        help="an APy server to use instead of starting one with scripts/apy")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
