"""Benchmark of deliverables and reviews at programme scale: 10,000 deliverables, 1,000 teams.

Usage: python bench/review_bench.py [--uploads N]

Seeds a fresh SQLite file with the core benchmark's 1,000 teams of 8 members, 60 reviewers with
profiles, ten tasks per team and a deliverable with one version in review for each task (10,000),
plus one task per team with nothing handed in yet, then measures, through the real help desk
(``HelpDesk.handle``, as the intake runs it):

- upload-and-route of a first version: a team member's file for the open task — checks, file
  kept, deliverable and version recorded, a reviewer chosen among all 60 by language, topic and
  load, the card and the team's notices queued;
- upload-and-route of a re-submission: the next version of a deliverable in review — the open
  round superseded, the same reviewer's next card;
  each the median and 95th percentile of ``--uploads`` uploads of small files, with the time
  spent keeping the file's bytes (written and fsync'd) and without it, as the target says;
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
FIRST = TEAMS * TASKS_PER_TEAM  # task ids above this have nothing handed in yet


def seed_reviews(database: Database, now: datetime) -> None:
    """Reviewers with profiles; ten tasks per team, each with a deliverable in review, and
    one more task per team with nothing handed in yet."""
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
                                "open_review": 1, "assigned_at": now})
            rounds.append({"version_id": task, "reviewer_id": reviewer, "number": 1,
                           "decision": None, "opened_at": now, "decided_at": None})
        tasks.append({"id": FIRST + team, "team_id": team, "title": "Open task", "output": "x",
                      "due_date": due, "due_at": now + timedelta(days=365 * 70),
                      "funds_share": None, "done": 0, "created_by": leader, "created_at": now})
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


class TimedFiles(DiskFileStore):
    """The disk file store, timing how long keeping the bytes takes (written, fsync'd)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.spent = 0.0

    def keep(self, content: bytes) -> str:
        """Keep the bytes, adding the milliseconds it took to ``spent``."""
        start = time.perf_counter()
        try:
            return super().keep(content)
        finally:
            self.spent += (time.perf_counter() - start) * 1000


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
            files = TimedFiles(Path(workdir))
            deps = Deps(CoreSettings(coordinator_identities=frozenset({
                f"console:c{TEAMS * PER_TEAM + 1}"})), SystemClock(), RandomJoinCodes(),
                TimeZones.load(), files)
            desk = HelpDesk(lambda: SqlUnitOfWork(database.engine), Catalogue.load(), deps)

            def upload(n: int, team: int, task: int, caption: str) -> list[float]:
                member = (team - 1) * PER_TEAM + 1 + n % PER_TEAM
                path = Path(workdir) / f"upload-{n}.pdf"
                path.write_bytes(b"%PDF-1.7 version " + str(n).encode())
                message = Inbound(UserRef(f"console:u{member}", f"User {member}"),
                                  ChatRef("console", f"u{member}"), text=f"T{task} {caption}",
                                  attachment=Attachment(path.name, path.stat().st_size,
                                                        location=str(path)))
                files.spent = 0.0
                took = timed(lambda: desk.handle(message), 1)
                return [took[0], took[0] - files.spent]  # with and without the file bytes

            first_times: list[list[float]] = []
            for n in range(args.uploads):  # the open task of a different team each time
                team = n % TEAMS + 1
                first_times.append(upload(n, team, FIRST + team, "first draft"))
            upload_times: list[list[float]] = []
            for n in range(args.uploads):
                team = n % TEAMS + 1
                task = (team - 1) * TASKS_PER_TEAM + 1 + n // TEAMS % TASKS_PER_TEAM
                upload_times.append(upload(args.uploads + n, team, task, "revised"))
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
                superseded = conn.exec_driver_sql(
                    "SELECT COUNT(*) FROM review_rounds WHERE decision = 'superseded'"
                ).scalar_one()
        finally:
            database.close()
    tasks = TEAMS * (TASKS_PER_TEAM + 1)
    for label, pairs in (("first version", first_times), ("re-submission", upload_times)):
        print(f"upload-and-route, {label}, over {args.uploads} uploads:")
        for index, part in ((1, "routing, file bytes excluded (target ≤ 5 ms)"),
                            (0, "with the file kept on disk (written, fsync'd)")):
            times = [pair[index] for pair in pairs]
            p95 = statistics.quantiles(times, n=20)[-1]
            print(f"  {part}: median {statistics.median(times):.2f} ms, "
                  f"95th percentile {p95:.2f} ms")
    print(f"/overview of {TEAMS} teams, {tasks} tasks: median "
          f"{statistics.median(overview_times):.1f} ms (target ≤ 200 ms)")
    print(f"export rows for {tasks} tasks: median {statistics.median(export_times):.1f} ms")
    expected = TEAMS * TASKS_PER_TEAM + 2 * args.uploads
    ok = versions == expected and cards == 2 * args.uploads and superseded == args.uploads
    print(f"check: versions {versions} (want {expected}), review cards sent {cards} "
          f"(want {2 * args.uploads}), rounds superseded {superseded} (want {args.uploads}) "
          f"— {'OK' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--uploads", type=int, default=500, help="uploads to time")
    sys.exit(main(parser.parse_args()))
