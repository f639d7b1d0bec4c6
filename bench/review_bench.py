"""Benchmark of deliverables and reviews at programme scale: 10,000 deliverables, 1,000 teams.

Usage: python bench/review_bench.py [--uploads N]

Seeds a fresh SQLite file with the core benchmark's 1,000 teams of 8 members, 60 reviewers with
profiles, ten tasks per team and a deliverable with one version in review for each task (10,000),
then measures, through the real help desk (``HelpDesk.handle``, as the intake runs it):

- upload-and-route: a team member's new version of a deliverable — checks, file kept, version
  recorded, the reviewer's card and the team's notices queued — median and 95th percentile of
  ``--uploads`` uploads of small files (file bytes are not what is measured);
- ``/overview`` for a coordinator over all 1,000 teams (query and rendering), median of 20;
- ``peerdesk export``'s rows for every task, median of 5.
Targets: routing ≤ 5 ms, ``/overview`` ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))

from core_bench import COORDINATORS, PER_TEAM, TEAMS, seed

from bot.clock import SystemClock
from bot.codes import RandomJoinCodes
from handlers.catalogue import Catalogue
from handlers.messages import Attachment, ChatRef, Inbound, UserRef
from handlers.progress import export_rows
from handlers.service import HelpDesk
from handlers.timezones import TimeZones
from handlers.turn import CoreSettings, Deps
from storage import models
from storage.database import Database
from storage.files import DiskFileStore
from storage.migrate import upgrade
from storage.models import table
from storage.uow import SqlUnitOfWork

TASKS_PER_TEAM, REVIEWERS = 10, 60


def seed_reviews(database: Database, now: datetime) -> None:
    """Reviewers with profiles; ten tasks per team, each with a deliverable in review."""
    first = TEAMS * PER_TEAM + COORDINATORS + 1
    reviewers = list(range(first, first + REVIEWERS))
    members = [{"id": r, "name": f"Reviewer {r}", "name_key": f"reviewer {r}", "language": "en",
                "timezone": "UTC", "primary_identity": f"console:r{r}", "created_at": now}
               for r in reviewers]
    tasks, deliverables, versions, assignments, rounds = [], [], [], [], []
    due = date(2099, 1, 31).isoformat()
    for team in range(1, TEAMS + 1):
        leader = (team - 1) * PER_TEAM + 1
        for n in range(TASKS_PER_TEAM):
            task = (team - 1) * TASKS_PER_TEAM + n + 1
            reviewer = reviewers[task % REVIEWERS]
            tasks.append({"id": task, "team_id": team, "title": f"Task {n + 1}", "output": "x",
                          "due_date": due, "due_at": now + timedelta(days=365 * 70),
                          "funds_share": None, "done": 0, "created_by": leader,
                          "created_at": now})
            deliverables.append({"id": task, "team_id": team, "task_id": task,
                                 "status": "in_review", "latest_version": 1,
                                 "latest_round": 1, "created_at": now})
            versions.append({"id": task, "deliverable_id": task, "number": 1,
                             "sha256": f"{task:064x}", "filename": "v1.pdf", "size": 10,
                             "kind": "pdf", "submitted_by": leader, "submitted_at": now})
            assignments.append({"deliverable_id": task, "reviewer_id": reviewer, "active": 1,
                                "assigned_at": now})
            rounds.append({"version_id": task, "reviewer_id": reviewer, "number": 1,
                           "decision": None, "opened_at": now, "decided_at": None})
    with database.engine.begin() as conn:
        conn.execute(insert(table(models.MemberRow)), members)
        conn.execute(insert(table(models.IdentityRow)), [
            {"identity": m["primary_identity"], "member_id": m["id"], "platform": "console",
             "created_at": now} for m in members])
        conn.execute(insert(table(models.MemberRoleRow)), [
            {"member_id": r, "role": "reviewer", "granted_at": now, "granted_by": None}
            for r in reviewers])
        conn.execute(insert(table(models.ReviewerProfileRow)), [
            {"member_id": r, "languages": "en,pt" if r % 2 else "es,fr",
             "topics": f"topic {r % 37}"} for r in reviewers])
        for model, rows in ((models.TaskRow, tasks), (models.DeliverableRow, deliverables),
                            (models.VersionRow, versions), (models.AssignmentRow, assignments),
                            (models.RoundRow, rounds)):
            conn.execute(insert(table(model)), rows)


def timed(work: object, runs: int) -> list[float]:
    """Milliseconds each run of a callable took."""
    assert callable(work)
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        took.append((time.perf_counter() - start) * 1000)
    return took


def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="peerdesk-review-bench-") as workdir:
        database = Database(f"sqlite:///{workdir}/bench.db")
        try:
            upgrade(database.engine)
            now = datetime.now(UTC)
            started = time.perf_counter()
            seed(database, now)
            seed_reviews(database, now)
            print(f"seeded {TEAMS} teams, {TEAMS * TASKS_PER_TEAM} deliverables in review, "
                  f"{REVIEWERS} reviewers in {time.perf_counter() - started:.1f} s "
                  "(not measured)")
            files = DiskFileStore(Path(workdir))
            deps = Deps(CoreSettings(coordinator_identities=frozenset({
                f"console:c{TEAMS * PER_TEAM + 1}"})), SystemClock(), RandomJoinCodes(),
                TimeZones.load(), files)
            desk = HelpDesk(lambda: SqlUnitOfWork(database.engine), Catalogue.load(), deps)
            upload_times = []
            for n in range(args.uploads):
                team = n % TEAMS + 1
                member = (team - 1) * PER_TEAM + 1 + n % PER_TEAM
                path = Path(workdir) / f"upload-{n}.pdf"
                path.write_bytes(b"%PDF-1.7 version " + str(n).encode())
                task = (team - 1) * TASKS_PER_TEAM + 1 + n // TEAMS % TASKS_PER_TEAM
                message = Inbound(UserRef(f"console:u{member}", f"User {member}"),
                                  ChatRef("console", f"u{member}"), text=f"T{task} revised",
                                  attachment=Attachment(path.name, path.stat().st_size,
                                                        location=str(path)))
                upload_times += timed(lambda m=message: desk.handle(m), 1)
            coordinator = Inbound(UserRef(f"console:c{TEAMS * PER_TEAM + 1}", "Coord"),
                                  ChatRef("console", "coord"), text="/overview")
            overview_times = timed(lambda: desk.handle(coordinator), 20)

            def export() -> None:
                with SqlUnitOfWork(database.engine) as uow:
                    export_rows(uow.deliverables.states(), datetime.now(UTC), "UTC")

            export_times = timed(export, 5)
            with database.engine.connect() as conn:
                versions = conn.exec_driver_sql("SELECT COUNT(*) FROM versions").scalar_one()
                cards = conn.exec_driver_sql(
                    "SELECT COUNT(*) FROM outbox WHERE context = 'round'").scalar_one()
        finally:
            database.close()
    p95 = statistics.quantiles(upload_times, n=20)[-1]
    print(f"upload-and-route: median {statistics.median(upload_times):.2f} ms, "
          f"95th percentile {p95:.2f} ms over {args.uploads} uploads (target ≤ 5 ms)")
    print(f"/overview of {TEAMS} teams, {TEAMS * TASKS_PER_TEAM} tasks: median "
          f"{statistics.median(overview_times):.1f} ms (target ≤ 200 ms)")
    print(f"export rows for {TEAMS * TASKS_PER_TEAM} tasks: median "
          f"{statistics.median(export_times):.1f} ms")
    expected = TEAMS * TASKS_PER_TEAM + args.uploads
    ok = versions == expected and cards == args.uploads
    print(f"check: versions {versions} (want {expected}), review cards sent {cards} "
          f"(want {args.uploads}) — {'OK' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--uploads", type=int, default=500, help="uploads to time")
    sys.exit(main(parser.parse_args()))
