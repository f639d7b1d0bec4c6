"""Benchmark of a broadcast to 10,000 members: from Confirm to the commit of its outbox rows.

Usage: python bench/broadcast_bench.py [--members N] [--repeat R]

Seeds a fresh SQLite file with N members (default 10,000) in teams of 8 across the regions,
in the four languages and eight time zones, and a coordinator; then, through the real help
desk (``HelpDesk.handle``, as the intake runs it), the coordinator drafts ``/broadcast
everyone`` with a text and presses Now and then Confirm. Measured, median of R runs:

- the preview (the audience counted per language, the preview rendered and stored);
- Confirm → commit: the audience read, the broadcast stored and one outbox row per member
  rendered in their language and written (target < 3 s);
- the same for ``at … local`` (each member's moment computed, 10,000 schedule rows written);
- the sweeps that release it, zone by zone (each an hour apart, as the scheduler runs), and a
  sweep with nothing due.
Prints the peak RSS, and checks the outbox and the schedule hold exactly what they should.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))

from core_bench import LANGUAGES, REGIONS, ZONES, peak_rss_mb, reset_peak_rss

from bot.codes import RandomJoinCodes
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

PER_TEAM = 8
COORDINATOR = "console:coord"
TEXT = ("The second dissemination seminar is on 2026-04-15 at 14:00 UTC. Each team presents "
        "its results in ten minutes; send your slides to the help desk before 2026-04-10.")


class Clock:
    """A clock the benchmark moves by hand."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def seed(database: Database, members: int, now: datetime) -> None:
    """Members in teams of eight, languages and zones spread, the last one a coordinator (who
    is in the audience ``everyone`` too)."""
    rows, identities, memberships, teams = [], [], [], []
    for member_id in range(1, members + 1):
        identity = COORDINATOR if member_id == members else f"console:u{member_id}"
        rows.append({"id": member_id, "name": f"User {member_id}",
                     "name_key": f"user {member_id}",
                     "language": LANGUAGES[member_id % len(LANGUAGES)],
                     "timezone": ZONES[member_id % len(ZONES)], "primary_identity": identity,
                     "created_at": now})
        identities.append({"identity": identity, "member_id": member_id, "platform": "console",
                           "created_at": now})
        if member_id < members:
            team = (member_id - 1) // PER_TEAM + 1
            memberships.append({"member_id": member_id, "team_id": team, "joined_at": now})
            if (member_id - 1) % PER_TEAM == 0:
                teams.append({"id": team, "name": f"Team {team}", "name_key": f"team {team}",
                              "topic": f"Topic {team % 37}",
                              "region": REGIONS[team % len(REGIONS)],
                              "join_code": f"J{team:05d}", "status": "approved",
                              "leader_id": member_id, "created_by": member_id,
                              "created_at": now})
    with database.engine.begin() as conn:
        for model, values in ((models.MemberRow, rows), (models.IdentityRow, identities),
                              (models.TeamRow, teams), (models.TeamMemberRow, memberships)):
            conn.execute(insert(table(model)), values)
        conn.execute(insert(table(models.MemberRoleRow)), [
            {"member_id": members, "role": "coordinator", "granted_at": now,
             "granted_by": None}])


def say(desk: HelpDesk, text: str = "", button: str | None = None) -> float:
    """The coordinator sends a text or presses a button; milliseconds until committed."""
    inbound = Inbound(UserRef(COORDINATOR, "Coord"), ChatRef("console", "coord"), text=text,
                      button=button)
    start = time.perf_counter()
    desk.handle(inbound)
    return (time.perf_counter() - start) * 1000


def confirm_data(database: Database) -> str:
    """The data of the Confirm button on the coordinator's newest preview."""
    with database.engine.connect() as conn:
        buttons = conn.exec_driver_sql(
            "SELECT buttons FROM outbox WHERE identity = ? ORDER BY id DESC LIMIT 1",
            (COORDINATOR,)).scalar_one()
    flat = [data for row in json.loads(buttons) for _label, data in row]
    return next(data for data in flat if data.startswith("bc:ok:"))


def count(database: Database, sql: str) -> int:
    with database.engine.connect() as conn:
        return int(conn.exec_driver_sql(sql).scalar_one())


def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="peerdesk-broadcast-bench-") as workdir:
        database = Database(f"sqlite:///{workdir}/bench.db")
        try:
            upgrade(database.engine)
            clock = Clock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
            started = time.perf_counter()
            seed(database, args.members, clock.now())
            print(f"seeded {args.members:,} members (teams of {PER_TEAM}, one coordinator) in "
                  f"{time.perf_counter() - started:.1f} s (not measured)")
            deps = Deps(CoreSettings(coordinator_identities=frozenset({COORDINATOR})), clock,
                        RandomJoinCodes(), TimeZones.load(), DiskFileStore(Path(workdir)))
            desk = HelpDesk(lambda: SqlUnitOfWork(database.engine), Catalogue.load(), deps)
            reset_peak_rss()
            previews, confirms, locals_, releases = [], [], [], []
            for run in range(args.repeat):
                say(desk, "/broadcast everyone")
                say(desk, f"{TEXT} (#{run})")
                previews.append(say(desk, button="bc:now"))
                confirms.append(say(desk, button=confirm_data(database)))
            idle = say_sweep(desk)
            for run in range(args.repeat):
                day = (clock.now() + timedelta(days=2)).date()
                say(desk, f"/broadcast everyone at {day} 09:00 local")
                say(desk, f"{TEXT} (local #{run})")
                locals_.append(say(desk, button=confirm_data(database)))
                waiting = count(database, "SELECT COUNT(*) FROM broadcast_waits")
                while waiting:
                    clock.moment += timedelta(hours=1)
                    took = say_sweep(desk)
                    left = count(database, "SELECT COUNT(*) FROM broadcast_waits")
                    if left < waiting:
                        releases.append((took, waiting - left))
                    waiting = left
            peak = peak_rss_mb()
            sent = count(database, "SELECT COUNT(*) FROM outbox WHERE context = 'broadcast'")
            waits = count(database, "SELECT COUNT(*) FROM broadcast_waits")
        finally:
            database.close()
    print(f"preview of a broadcast to {args.members:,} members (counted per language): "
          f"median {statistics.median(previews):.0f} ms")
    print(f"Confirm → commit, sent now, {args.members:,} outbox rows: median "
          f"{statistics.median(confirms):.0f} ms (runs: "
          f"{', '.join(f'{t:.0f}' for t in confirms)} ms; target < 3,000 ms)")
    print(f"Confirm → commit, 09:00 local, {args.members:,} readers scheduled: median "
          f"{statistics.median(locals_):.0f} ms")
    busy = [t for t, _released in releases]
    per = statistics.median(released for _t, released in releases)
    print(f"sweeps releasing one zone's readers (median {per:,.0f} readers): median "
          f"{statistics.median(busy):.0f} ms, slowest {max(busy):.0f} ms; "
          f"a sweep with nothing due: {idle:.1f} ms")
    print(f"peak RSS during the broadcasts: {peak:.0f} MB")
    want = 2 * args.repeat * args.members
    ok = sent == want and waits == 0
    print(f"check: broadcast rows in the outbox {sent:,} (want {want:,}), readers still "
          f"scheduled {waits} (want 0) — {'OK' if ok else 'MISMATCH'}")
    return 0 if ok else 1


def say_sweep(desk: HelpDesk) -> float:
    """One sweep, as the scheduler runs it; milliseconds until committed."""
    start = time.perf_counter()
    desk.sweep()
    return (time.perf_counter() - start) * 1000


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--members", type=int, default=10_000, help="members to broadcast to")
    parser.add_argument("--repeat", type=int, default=3, help="broadcasts of each kind")
    sys.exit(main(parser.parse_args()))
