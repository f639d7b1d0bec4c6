"""Benchmark of the core path: router → use case → SQLite → outbox rows, as production runs it.

Usage: python bench/core_bench.py [--messages N] [--concurrency K] [--repeat R] [--no-mixed]

Seeds a fresh SQLite file (WAL, migrated by ``storage.migrate.upgrade``) with 1,000 teams of 8
members and 5 coordinators, then sends inbound messages through ``Intake.receive`` (what
``App.receive`` does: grouped transactions in the database thread) from an asyncio loop, K in
flight, for three mixes: ``/team`` (read), ``/ask`` (write) and 80/20 read/write. Prints
messages/s (wall clock over each run), the peak RSS during each run, and checks that exactly the
expected help requests and outbox rows were written. No dispatcher.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from bot.clock import SystemClock
from bot.codes import RandomJoinCodes
from bot.intake import Intake
from handlers.catalogue import Catalogue
from handlers.messages import ChatRef, Inbound, UserRef
from handlers.service import HelpDesk
from handlers.timezones import TimeZones
from handlers.turn import CoreSettings, Deps
from storage import models
from storage.database import Database
from storage.files import DiskFileStore
from storage.migrate import upgrade
from storage.models import table
from storage.uow import SqlUnitOfWork

TEAMS, PER_TEAM, COORDINATORS = 1_000, 8, 5
LANGUAGES = ("en", "pt", "es", "fr")
ZONES = ("Africa/Maputo", "Africa/Dakar", "America/Lima", "America/Sao_Paulo", "Africa/Nairobi",
         "Europe/Paris", "UTC", "+05:30")
REGIONS = ("west", "east", "southern", "central", "north", "latam", "other")
QUESTIONS = ("How do I fill in the budget template for task 2?",
             "Como envio o relatório financeiro?", "¿Dónde está la plantilla del informe?",
             "Comment remplir le modèle de rapport financier ?")


def seed(database: Database, now: datetime) -> None:
    """Bulk-insert members, identities, roles, teams and memberships (executemany)."""
    members, idents, team_rows, memberships = [], [], [], []
    for team in range(1, TEAMS + 1):
        first = (team - 1) * PER_TEAM + 1
        for member_id in range(first, first + PER_TEAM):
            members.append(_member(member_id, f"User {member_id}", f"console:u{member_id}", now))
            memberships.append({"member_id": member_id, "team_id": team, "joined_at": now})
        team_rows.append({"id": team, "name": f"Team {team}", "name_key": f"team {team}",
                          "topic": f"Topic {team % 37}", "region": REGIONS[team % len(REGIONS)],
                          "join_code": f"J{team:05d}", "status": "approved", "leader_id": first,
                          "co_leader_id": first + 1 if team % 2 else None, "created_by": first,
                          "created_at": now})
    coordinator_ids = range(TEAMS * PER_TEAM + 1, TEAMS * PER_TEAM + COORDINATORS + 1)
    for member_id in coordinator_ids:
        members.append(_member(member_id, f"Coord {member_id}", f"console:c{member_id}", now))
    for row in members:
        idents.append({"identity": row["primary_identity"], "member_id": row["id"],
                       "platform": "console", "created_at": now})
    roles = [{"member_id": m, "role": "coordinator", "granted_at": now, "granted_by": None}
             for m in coordinator_ids]
    with database.engine.begin() as conn:
        for model, rows in ((models.MemberRow, members), (models.IdentityRow, idents),
                            (models.TeamRow, team_rows), (models.TeamMemberRow, memberships),
                            (models.MemberRoleRow, roles)):
            conn.execute(insert(table(model)), rows)


def _member(member_id: int, name: str, identity: str, now: datetime) -> dict[str, object]:
    return {"id": member_id, "name": name, "name_key": name.casefold(),
            "language": LANGUAGES[member_id % len(LANGUAGES)],
            "timezone": ZONES[member_id % len(ZONES)], "primary_identity": identity,
            "created_at": now}


def inbound(member_id: int, text: str) -> Inbound:
    """What the console adapter would hand over for ``console:u<id>``."""
    user = f"u{member_id}"
    return Inbound(UserRef(f"console:{user}", f"User {member_id}"),
                   ChatRef("console", user), text=text)


def make_mix(rng: random.Random, count: int, write_share: float) -> tuple[list[Inbound], int]:
    """``count`` inbounds from random members; a ``write_share`` of them are ``/ask``."""
    out: list[Inbound] = []
    writes = 0
    for _ in range(count):
        member_id = rng.randint(1, TEAMS * PER_TEAM)
        if rng.random() < write_share:
            writes += 1
            out.append(inbound(member_id, f"/ask {rng.choice(QUESTIONS)} #{rng.randint(1, 999)}"))
        else:
            out.append(inbound(member_id, "/team"))
    return out, writes


def counts(database: Database) -> tuple[int, int]:
    """(outbox rows, help requests) in the database."""
    with database.engine.connect() as conn:
        outbox, asked = (conn.execute(select(func.count()).select_from(table(model))).scalar()
                         for model in (models.OutboxRowModel, models.HelpRequestRow))
    return int(outbox or 0), int(asked or 0)


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (Linux); False when the peak is process-wide."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float:
    """Peak resident set size so far (since the last reset), in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


class ErrorCounter(logging.Handler):
    """Counts the failures ``HelpDesk.handle`` logs (it swallows them and apologises)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@dataclass
class Result:
    name: str
    messages: int
    seconds: float
    peak_mb: float
    peak_per_mix: bool
    check: str
    ok: bool


async def run_mix(database: Database, intake: Intake, name: str, inbounds: Sequence[Inbound],
                  writes: int, concurrency: int, errors: ErrorCounter) -> Result:
    """Push the inbounds through the core, K in flight, and check what was written."""
    outbox_before, asked_before = counts(database)
    failures_before = errors.count
    pending = iter(inbounds)

    async def worker() -> None:
        for item in pending:  # shared iterator: each inbound is taken by exactly one worker
            await intake.receive(item)  # what App.receive does

    per_mix = reset_peak_rss()
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    outbox_after, asked_after = counts(database)
    reads = len(inbounds) - writes
    want_outbox, want_asked = reads + writes * (1 + COORDINATORS), writes
    got_outbox, got_asked = outbox_after - outbox_before, asked_after - asked_before
    failures = errors.count - failures_before
    ok = (got_outbox, got_asked, failures) == (want_outbox, want_asked, 0)
    check = (f"outbox +{got_outbox} (want {want_outbox}), help requests +{got_asked} "
             f"(want {want_asked}), failures {failures}")
    return Result(name, len(inbounds), seconds, peak, per_mix, check, ok)


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    errors = ErrorCounter()
    logging.getLogger("handlers.service").addHandler(errors)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="peerdesk-bench-") as workdir:
        database = Database(f"sqlite:///{workdir}/bench.db")
        try:
            await database.run(lambda: upgrade(database.engine))
            started = time.perf_counter()
            await database.run(lambda: seed(database, datetime.now(UTC)))
            print(f"seeded {TEAMS * PER_TEAM + COORDINATORS} members, {TEAMS} teams "
                  f"in {time.perf_counter() - started:.2f} s (not measured)")
            coordinators = frozenset(f"console:c{TEAMS * PER_TEAM + i}"
                                     for i in range(1, COORDINATORS + 1))
            deps = Deps(settings=CoreSettings(coordinator_identities=coordinators),
                        clock=SystemClock(), codes=RandomJoinCodes(), zones=TimeZones.load(),
                        files=DiskFileStore(Path(workdir)))
            desk = HelpDesk(unit_of_work=lambda: SqlUnitOfWork(database.engine),
                            catalogue=Catalogue.load(), deps=deps)
            intake = Intake(database, desk)
            warm, warm_writes = make_mix(rng, 200, 0.2)
            await run_mix(database, intake, "warm-up", warm, warm_writes, 1, errors)
            mixes = [("read  /team", 0.0), ("write /ask", 1.0)]
            if not args.no_mixed:
                mixes.append(("mixed 80/20", 0.2))
            results: list[list[Result]] = []
            for name, share in mixes:
                runs = []
                for _ in range(args.repeat):
                    inbounds, writes = make_mix(rng, args.messages, share)
                    runs.append(await run_mix(database, intake, name, inbounds, writes,
                                              args.concurrency, errors))
                results.append(runs)
            await intake.close()
        finally:
            database.close()
    report(results, args)
    return 0 if all(r.ok for runs in results for r in runs) else 1


def report(results: Sequence[Sequence[Result]], args: argparse.Namespace) -> None:
    """The table (median run of each mix, and the range), the machine, and the checks."""
    print(f"CPUs {os.cpu_count()} | Python {platform.python_version()} | "
          f"SQLite {sqlite3.sqlite_version} | concurrency {args.concurrency} | "
          f"{args.messages} messages per run, {args.repeat} runs per mix")
    print(f"{'mix':<12} {'median msgs/s':>14} {'min-max':>12} {'peak RSS MB':>12}")
    for runs in results:
        rates = sorted(r.messages / r.seconds for r in runs)
        median = statistics.median(rates)
        print(f"{runs[0].name:<12} {median:>14.0f} {rates[0]:>5.0f}-{rates[-1]:<6.0f} "
              f"{max(r.peak_mb for r in runs):>12.1f}")
    every = [r for runs in results for r in runs]
    scope = "during each mix" if all(r.peak_per_mix for r in every) else "of the process so far"
    print(f"peak RSS is the peak {scope}")
    for r in every:
        print(f"check {r.name}: {r.check} — {'OK' if r.ok else 'MISMATCH'}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=5000, help="inbounds per mix")
    parser.add_argument("--concurrency", type=int, default=64,
                        help="inbounds in flight (an adapter hands over up to 100 at a time)")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per mix; the median is reported (shared machines are noisy)")
    parser.add_argument("--no-mixed", action="store_true", help="skip the 80/20 mix")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
