"""Load and soak benchmark: one hour of programme life, compressed, against the local platforms.

Usage: python bench/soak_bench.py [--minutes 10] [--hours 1] [--teams 200] [--members 1500]
                                  [--database-url URL] [--json PATH] [--apertium apy|cli]

Seeds 200 teams, 1,500 members on Telegram, Slack and the console, coordinators, reviewers,
tasks and follow-ups coming due (soak_world.py), then runs peerdesk as ``peerdesk run`` composes
it, in a process of its own with its help-desk worker (soak_desk.py: Telegram polling the local
Bot API server, Slack over Socket Mode to the local Slack, the console on its standard input,
Apertium, the dispatcher, the scheduler sweeping every ``--sweep-seconds``), against the local
Telegram and Slack in another process (soak_servers.py, enforcing Telegram's limits), and plays
a busy hour (soak_plan.py: team talk, look-ups, uploads, reviews, help requests, two broadcasts
to everyone, nags) in ``--minutes`` of real time — ``--hours`` such hours one after the other
for a longer soak. Everything runs on this machine, 127.0.0.1.

Measured: messages in per second (what people sent) and out (what Telegram and Slack accepted
from the bot, and the console received), per minute; outbox lag (``created_at`` → ``sent_at``
of every row, from the database) p50/p99 over the run and per minute; the RSS of peerdesk's two
processes every ``--rss-every`` seconds, with a verdict (soak_report.py states the rule); the
time to drain the backlog after the hour. Checked: every outbox row sent or dead-lettered, every
message the bot recorded as sent is on its platform (the console's: each exactly once), every
update and event recorded and handled, each broadcast reached everyone. On SQLite in a temporary
folder by default; ``--database-url`` names a PostgreSQL server, on which a fresh database is
created (and dropped). ``--json`` writes the summary.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apertium_bench import apy_server
from soak_measure import Desk, Sampler, final_figures, warm_up_seconds
from soak_plan import Actor, Targets, timeline
from soak_report import print_report
from soak_servers import Platforms
from soak_world import Programme, programme, seed

from storage.database import Database
from storage.migrate import upgrade
from tests.databases import fresh_postgres_database
from tests.slack.web_api import APP_TOKEN, BOT_TOKEN

CONFIG = """
[storage]
data_dir = "{data}"
database_url = "{url}"
desk_process = true
[helpdesk]
coordinators = {coordinators}
[telegram]
enabled = true
base_url = "{telegram}/bot"
base_file_url = "{telegram}/file/bot"
[slack]
enabled = true
mode = "socket"
base_url = "{slack}"
[translation]
providers = ["apertium"]
[translation.apertium]
apy_url = "{apy}"
[scheduler]
sweep_seconds = {sweep}
[followups]
window_start_hour = 0
window_end_hour = 24
weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
[logging]
level = "WARNING"
"""
RETRY_SECONDS, RETRIES = 5.0, 6  # an action with nothing to act on yet tries again


async def play(world: Programme, args: argparse.Namespace, platforms: Platforms, desk: Desk,
               database: Database, folder: Path) -> dict[str, Any]:
    """Play the hour, drain, stop peerdesk; the summary."""
    seconds = args.minutes * 60 * args.hours
    targets = Targets(database, world)
    uploads = folder / "uploads"
    uploads.mkdir()
    actor = Actor(world, targets, uploads, random.Random(args.seed + 3))
    sampler = Sampler(desk.pid, database, args.rss_every)
    inbound: Counter[int] = Counter()
    plan = timeline(args.minutes, len(world.members), args.seed, args.hours)
    queue = [(at, number, kind, 0) for number, (at, kind) in enumerate(plan)]
    heapq.heapify(queue)
    broadcasts: list[asyncio.Task[dict[str, Any]]] = []
    skipped, late = 0, 0.0
    start = time.time()
    sampler.begin(start)

    async def poll() -> None:
        while True:
            await database.run(targets.poll)
            await asyncio.sleep(1.0)

    async def broadcast(number: int) -> dict[str, Any]:
        person, steps = actor.broadcast_steps(number)
        answer = await platforms.converse(person.as_json(), steps)
        inbound[int(time.time())] += len(steps)
        return {"number": number, "ok": bool(answer["ok"]), "confirm": answer.get("last"),
                "failed_step": answer.get("step"), "steps_took": answer.get("took")}

    async def mark_warm_up() -> None:
        await asyncio.sleep(warm_up_seconds(args))
        await desk.mark()

    polling = asyncio.create_task(poll())
    marking = asyncio.create_task(mark_warm_up()) if args.tracemalloc else None
    try:
        while queue:
            at, number, kind, tries = heapq.heappop(queue)
            wait = start + at - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
            late = max(late, time.time() - start - at) if tries == 0 else late
            if kind == "broadcast":
                broadcasts.append(asyncio.create_task(broadcast(len(broadcasts) + 1)))
                continue
            action = actor.act(kind)
            if action is None:
                if tries < RETRIES and at + RETRY_SECONDS < seconds:
                    heapq.heappush(queue, (at + RETRY_SECONDS, number, kind, tries + 1))
                else:
                    skipped += 1
                continue
            if action["platform"] == "console":
                await desk.send(action)
            else:
                await platforms.act([action])
            inbound[int(time.time())] += 1
        done = [await task for task in broadcasts]
        hour_end = time.time()
        note(f"played {len(plan):,} actions in {hour_end - start:.0f} s; draining")
        drain = await sampler.drained(hour_end, args.drain_limit, args.sweep_seconds + 1)
    finally:
        polling.cancel()
        if marking is not None:
            marking.cancel()
        await sampler.stop()
    note(f"drained in {drain:.1f} s after the last action; stopping peerdesk")
    console = await desk.stop()
    note("stopped; reading the figures")
    return await final_figures(world, args, database, platforms, sampler, console, {
        "start": start, "seconds": seconds, "hour_end": hour_end, "drain": drain,
        "late": late, "skipped": skipped, "log": desk.log, "inbound": inbound, "broadcasts": done,
        "planned": len(plan) + 3 * len([k for _, k in plan if k == "broadcast"])})


def note(text: str) -> None:
    """A progress line, with the time."""
    print(f"{time.strftime('%H:%M:%S')} {text}", flush=True)


def write_config(folder: Path, world: Programme, platforms: Platforms, url: str, apy: str,
                 args: argparse.Namespace) -> Path:
    """peerdesk's config.toml for the run."""
    path = folder / "config.toml"
    path.write_text(CONFIG.format(
        data=folder / "data", url=url, telegram=platforms.telegram_base, slack=platforms.slack_api,
        apy=apy, sweep=args.sweep_seconds,
        coordinators=json.dumps([c.identity for c in world.coordinators])))
    return path


async def main(args: argparse.Namespace) -> dict[str, Any]:
    world = programme(args.teams, args.members, args.seed)
    with contextlib.ExitStack() as stack:
        folder = Path(tempfile.mkdtemp(prefix="peerdesk-soak-"))
        if args.keep:
            note(f"keeping {folder} (the SQLite database, peerdesk's log)")
        else:
            stack.callback(shutil.rmtree, folder, ignore_errors=True)
        (folder / "data").mkdir()
        apy = stack.enter_context(apy_server(None)) if args.apertium == "apy" else ""
        url = (stack.enter_context(fresh_postgres_database(args.database_url, "peerdesk_soak"))
               if args.database_url else f"sqlite:///{folder / 'data' / 'peerdesk.db'}")
        (folder / "people.json").write_text(json.dumps([p.as_json() for p in world.everyone]))
        platforms = Platforms(folder / "people.json")
        database = Database(url)
        try:
            upgrade(database.engine)
            seeded = seed(database, world, datetime.now(UTC), args.minutes * 60 * args.hours,
                          args.seed)
            platforms_used = Counter(m.platform for m in world.members)
            print(f"seeded {len(world.teams)} teams, {len(world.members):,} members "
                  f"({', '.join(f'{n:,} {p}' for p, n in platforms_used.items())}), "
                  f"{len(world.coordinators)} coordinators, {len(world.reviewers)} reviewers; "
                  f"follow-ups: {seeded}", flush=True)
            config = write_config(folder, world, platforms, url, apy, args)
            environ = {k: v for k, v in os.environ.items()
                       if "proxy" not in k.lower() and k != "PEERDESK_DATABASE_URL"}
            environ.update(PEERDESK_TELEGRAM_TOKEN=platforms.telegram_token,
                           PEERDESK_SLACK_BOT_TOKEN=BOT_TOKEN, PEERDESK_SLACK_APP_TOKEN=APP_TOKEN,
                           PEERDESK_SOAK_TRACEMALLOC=str(args.tracemalloc))
            note("starting peerdesk")
            desk = await Desk.start(config, environ, folder / "desk.log")
            note(f"peerdesk ready (pid {desk.pid}); playing {args.hours} hour(s) in "
                 f"{args.minutes * args.hours:g} minutes")
            try:
                summary = await play(world, args, platforms, desk, database, folder)
            finally:
                await desk.close()
        finally:
            database.close()
            await platforms.close()
    summary["machine"] = f"{os.cpu_count()} shared cores, Python {platform.python_version()}"
    summary["database"] = "PostgreSQL" if args.database_url else "SQLite"
    return summary


def finish(summary: dict[str, Any], args: argparse.Namespace) -> int:
    """Print the report, write the JSON; 0 when nothing was lost."""
    print_report(summary)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1, default=str))
    return 0 if all(ok for ok, _ in summary["checks"].values()) else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0,
                        help="real minutes in which the hour is played (default 10)")
    parser.add_argument("--hours", type=int, default=1,
                        help="hours played one after the other (a longer soak; default 1)")
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--members", type=int, default=1500)
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL server (a fresh database is created on it)")
    parser.add_argument("--json", default="", help="write the summary there")
    parser.add_argument("--apertium", choices=("apy", "cli"), default="apy",
                        help="Apertium's HTTP server (started here) or its command")
    parser.add_argument("--sweep-seconds", type=int, default=10)
    parser.add_argument("--rss-every", type=float, default=5.0)
    parser.add_argument("--drain-limit", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tracemalloc", type=int, default=0, metavar="FRAMES",
                        help="trace peerdesk's allocations (slower) and show where what grew "
                             "after warm-up was allocated")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (database, peerdesk's log)")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    sys.exit(finish(asyncio.run(main(arguments)), arguments))
