"""Benchmark of the scheduler's sweep at programme scale.

Usage: python bench/sweep_bench.py [--total 100000] [--due-percent 1]

Seeds a fresh SQLite file with the core benchmark's 1,000 teams of 8 members (in eight time
zones) and 5 coordinators, then ``--total`` open items: half of them tasks with nothing handed
in, a quarter review rounds waiting for a decision, a quarter unanswered help requests. Of each
kind, ``--due-percent`` % are due (tasks due within three days or up to ten days late, reviews
past their SLA, requests past theirs); the rest are not due for a long time. It then times, at
a Wednesday noon UTC, through the real help desk (``HelpDesk.sweep``, as the scheduler runs it):

- the first sweep: every rule's query, working hours in each recipient's zone, the nag record,
  the messages rendered and queued in the outbox — median of 3 runs, each on a fresh copy;
- a second sweep at the same moment, which finds everything already sent today.

The same is measured with a fifth of the items and the same number due, to show that the cost
follows what is due, not the total. Target: one sweep < 1 s at 100,000 items with 1 % due.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))

from core_bench import COORDINATORS, PER_TEAM, TEAMS, seed

from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from handlers.catalogue import Catalogue
from handlers.service import HelpDesk
from handlers.timezones import TimeZones
from handlers.turn import CoreSettings, Deps
from storage import models
from storage.database import Database
from storage.files import DiskFileStore
from storage.migrate import upgrade
from storage.models import table
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
FAR = NOW + timedelta(days=3650)


def _due(count: int, due: int, seed: int) -> set[int]:
    """Which of ``count`` items are due: ``due`` of them, spread at random (fixed seed)."""
    return set(random.Random(seed).sample(range(count), min(due, count)))


def seed_items(database: Database, total: int, due_count: int) -> dict[str, int]:
    """Open tasks, review rounds and help requests, ``due_count`` of them due."""
    n_tasks, n_rounds = total // 2, total // 4
    n_requests = total - n_tasks - n_rounds
    due_tasks, due_rounds = due_count // 2, due_count // 4
    due_requests = due_count - due_tasks - due_rounds
    members = TEAMS * PER_TEAM
    tasks, responsibles, deliverables, versions, assignments, rounds, requests = (
        [], [], [], [], [], [], [])
    chosen = _due(n_tasks, due_tasks, 1)
    for n in range(n_tasks):
        team = n % TEAMS + 1
        member = (team - 1) * PER_TEAM + 1 + n // TEAMS % PER_TEAM
        is_due = n in chosen
        moment = NOW + timedelta(days=(n % 13) - 10, hours=5) if is_due else FAR
        tasks.append({"id": n + 1, "team_id": team, "title": f"Task {n + 1}", "output": "x",
                      "due_date": moment.date().isoformat(), "due_at": moment,
                      "funds_share": None, "done": 0, "created_by": member, "created_at": NOW})
        responsibles.append({"task_id": n + 1, "member_id": member})
    chosen = _due(n_rounds, due_rounds, 2)
    for n in range(n_rounds):
        task = n_tasks + n + 1
        team = n % TEAMS + 1
        leader = (team - 1) * PER_TEAM + 1
        reviewer = members + COORDINATORS + 1 + n % 60
        is_due = n in chosen
        opened = NOW - timedelta(days=6 + n % 7) if is_due else NOW
        tasks.append({"id": task, "team_id": team, "title": f"Reviewed {n}", "output": "x",
                      "due_date": date(2036, 1, 1).isoformat(), "due_at": FAR,
                      "funds_share": None, "done": 0, "created_by": leader, "created_at": NOW})
        deliverables.append({"id": n + 1, "team_id": team, "task_id": task,
                             "status": "in_review", "latest_version": 1, "latest_round": 1,
                             "created_at": NOW, "status_since": NOW})
        versions.append({"id": n + 1, "deliverable_id": n + 1, "number": 1,
                         "sha256": f"{n:064x}", "filename": "v1.pdf", "size": 10,
                         "kind": "pdf", "submitted_by": leader, "submitted_at": NOW})
        assignments.append({"deliverable_id": n + 1, "reviewer_id": reviewer, "active": 1,
                            "open_review": 1, "assigned_at": NOW})
        rounds.append({"version_id": n + 1, "reviewer_id": reviewer, "number": 1,
                       "decision": None, "opened_at": opened, "decided_at": None})
    chosen = _due(n_requests, due_requests, 3)
    for n in range(n_requests):
        asker = n % members + 1
        is_due = n in chosen
        asked = NOW - timedelta(hours=50 + n % 100) if is_due else NOW
        requests.append({"asker_id": asker, "team_id": (asker - 1) // PER_TEAM + 1,
                         "text": f"Question {n}", "language": "en", "status": "open",
                         "created_at": asked, "urgent": 0})
    reviewers = [{"id": members + COORDINATORS + 1 + r, "name": f"Reviewer {r}",
                  "name_key": f"reviewer {r}", "language": "pt", "timezone": "Africa/Luanda",
                  "primary_identity": f"console:r{r}", "created_at": NOW} for r in range(60)]
    with database.engine.begin() as conn:
        conn.execute(insert(table(models.MemberRow)), reviewers)
        conn.execute(insert(table(models.IdentityRow)), [
            {"identity": r["primary_identity"], "member_id": r["id"], "platform": "console",
             "created_at": NOW} for r in reviewers])
        for model, rows in ((models.TaskRow, tasks), (models.TaskResponsibleRow, responsibles),
                            (models.DeliverableRow, deliverables), (models.VersionRow, versions),
                            (models.AssignmentRow, assignments), (models.RoundRow, rounds),
                            (models.HelpRequestRow, requests)):
            if rows:
                conn.execute(insert(table(model)), rows)
        conn.exec_driver_sql("UPDATE teams SET last_activity_at = created_at")
    return {"tasks": n_tasks, "reviews": n_rounds, "requests": n_requests}


def sweep_times(path: Path, workdir: Path, runs: int) -> tuple[list[float], list[float], int]:
    """Time the first and second sweep on ``runs`` fresh copies of a seeded database."""
    first, second, queued = [], [], 0
    for run in range(runs):
        copy = workdir / f"run-{run}.db"
        shutil.copyfile(path, copy)
        database = Database(f"sqlite:///{copy}")
        try:
            deps = Deps(CoreSettings(), VirtualClock(NOW), RandomJoinCodes(), TimeZones.load(),
                        DiskFileStore(workdir))
            desk = HelpDesk(lambda db=database: SqlUnitOfWork(db.engine), Catalogue.load(),
                            deps)
            start = time.perf_counter()
            queued = desk.sweep()
            first.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            again = desk.sweep()
            second.append((time.perf_counter() - start) * 1000)
            assert again == 0, f"the second sweep sent {again} nags again"
        finally:
            database.close()
    return first, second, queued


def measure(total: int, due: int, runs: int) -> None:
    """Seed, then print the sweep's figures for one size."""
    with tempfile.TemporaryDirectory(prefix="peerdesk-sweep-bench-") as folder:
        workdir = Path(folder)
        path = workdir / "seed.db"
        database = Database(f"sqlite:///{path}")
        try:
            upgrade(database.engine)
            seed(database, NOW)
            kinds = seed_items(database, total, due)
        finally:
            database.close()
        first, second, queued = sweep_times(path, workdir, runs)
    print(f"{total:,} open items ({kinds['tasks']:,} tasks, {kinds['reviews']:,} reviews, "
          f"{kinds['requests']:,} requests), {due:,} due: first sweep median "
          f"{statistics.median(first):.0f} ms ({queued:,} nags queued), second sweep "
          f"{statistics.median(second):.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--due-percent", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    due = int(args.total * args.due_percent / 100)
    measure(args.total, due, args.runs)
    measure(args.total // 5, due, args.runs)
    measure(args.total, due * 2, args.runs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB (target: one sweep < 1 s at 100,000 items, 1 % due)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
