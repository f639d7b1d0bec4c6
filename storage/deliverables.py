"""Deliverables and their versions, in SQL."""

from __future__ import annotations

from datetime import date, datetime

from handlers.domain import Deliverable, DeliverableStatus, Language, TaskState, Version
from storage.rows import LANGUAGES
from storage.sql import Row, Sql
from storage.teams import REGIONS

_DELIVERABLE = "SELECT id, team_id, task_id, status, created_at FROM deliverables"
_VERSION = ("SELECT id, deliverable_id, number, sha256, filename, size, kind, submitted_by, "
            "submitted_at, note, note_language FROM versions")
STATUSES = {status.value: status for status in DeliverableStatus}


class SqlDeliverables:
    """The ``Deliverables`` port on one unit of work."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def _deliverable(self, row: Row | None) -> Deliverable | None:
        if row is None:
            return None
        return Deliverable(row[0], row[1], row[2], STATUSES[row[3]], self.sql.read_time(row[4]))

    def for_task(self, task_id: int) -> Deliverable | None:
        """The deliverable of a task, if anything was handed in."""
        return self._deliverable(self.sql.row(f"{_DELIVERABLE} WHERE task_id = :task",
                                              {"task": task_id}))

    def get(self, deliverable_id: int) -> Deliverable | None:
        """One deliverable by id."""
        return self._deliverable(self.sql.row(f"{_DELIVERABLE} WHERE id = :id",
                                              {"id": deliverable_id}))

    def create(self, team_id: int, task_id: int, now: datetime) -> Deliverable:
        """Start the deliverable of a task."""
        deliverable_id = self.sql.insert(
            "INSERT INTO deliverables (team_id, task_id, status, created_at, status_since) "
            "VALUES (:team, :task, 'submitted', :now, :now) RETURNING id",
            {"team": team_id, "task": task_id, "now": self.sql.time(now)})
        return Deliverable(deliverable_id, team_id, task_id, DeliverableStatus.SUBMITTED, now)

    def _version(self, r: Row) -> Version:
        return Version(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], self.sql.read_time(r[8]),
                       r[9] or "", LANGUAGES.get(r[10]) if r[10] else None)

    def versions(self, deliverable_id: int) -> list[Version]:
        """A deliverable's versions, oldest first."""
        return [self._version(r) for r in self.sql.rows(
            f"{_VERSION} WHERE deliverable_id = :deliverable ORDER BY number",
            {"deliverable": deliverable_id})]

    def set_status(self, deliverable_id: int, status: DeliverableStatus,
                   now: datetime) -> None:
        """Move a deliverable along its review (an approved one no longer loads its
        reviewers); a change of status is dated."""
        self.sql.run("UPDATE deliverables SET status_since = CASE WHEN status = :status "
                     "THEN status_since ELSE :now END, status = :status WHERE id = :id",
                     {"status": status.value, "id": deliverable_id, "now": self.sql.time(now)})
        counted = 0 if status == DeliverableStatus.APPROVED else 1
        self.sql.run("UPDATE assignments SET open_review = :counted WHERE deliverable_id = :id "
                     "AND active = 1 AND open_review <> :counted",
                     {"counted": counted, "id": deliverable_id})

    def version(self, version_id: int) -> Version | None:
        """One version by id."""
        row = self.sql.row(f"{_VERSION} WHERE id = :id", {"id": version_id})
        return self._version(row) if row is not None else None

    def states(self, team_id: int | None = None) -> list[TaskState]:
        """Where every task stands (of one team, or of all teams), by team and due date."""
        return task_states(self.sql, team_id)

    def add_version(self, deliverable_id: int, sha256: str, filename: str, size: int,
                    kind: str, by: int, now: datetime, note: str = "",
                    note_language: Language | None = None) -> Version:
        """Record the next version of a deliverable, with what the team says changed."""
        row = self.sql.row("SELECT COALESCE(MAX(number), 0) FROM versions "
                           "WHERE deliverable_id = :deliverable", {"deliverable": deliverable_id})
        number = int(row[0]) + 1 if row is not None else 1
        version_id = self.sql.insert(
            "INSERT INTO versions (deliverable_id, number, sha256, filename, size, kind, "
            "submitted_by, submitted_at, note, note_language) VALUES (:deliverable, :number, "
            ":sha, :name, :size, :kind, :by, :now, :note, :language) RETURNING id",
            {"deliverable": deliverable_id, "number": number, "sha": sha256, "name": filename,
             "size": size, "kind": kind, "by": by, "now": self.sql.time(now),
             "note": note or None,
             "language": note_language.value if note and note_language else None})
        self.sql.run("UPDATE deliverables SET latest_version = :number WHERE id = :id",
                     {"number": number, "id": deliverable_id})
        return Version(version_id, deliverable_id, number, sha256, filename, size, kind, by, now,
                       note, note_language if note else None)


_STATES = (
    "SELECT t.id, t.team_id, tm.name, tm.region, t.title, t.due_date, t.done, l.timezone, "
    "d.id, d.status, d.latest_version, d.latest_round "
    "FROM tasks t JOIN teams tm ON tm.id = t.team_id "
    "LEFT JOIN members l ON l.id = tm.leader_id "
    "LEFT JOIN deliverables d ON d.task_id = t.id")
_REVIEWERS = ("SELECT a.deliverable_id, m.name FROM assignments a "
              "JOIN members m ON m.id = a.reviewer_id WHERE a.active = 1 ORDER BY a.id")


def task_states(sql: Sql, team_id: int | None) -> list[TaskState]:
    """Where every task stands, in two queries whatever the number of teams."""
    where, params = (" WHERE t.team_id = :team", {"team": team_id}) if team_id is not None \
        else ("", {})
    rows = sql.rows(f"{_STATES}{where} ORDER BY tm.name_key, tm.id, t.due_at, t.id", params)
    reviewers: dict[int, list[str]] = {}
    for deliverable_id, name in sql.rows(_REVIEWERS):
        reviewers.setdefault(deliverable_id, []).append(name)
    dates: dict[str, date] = {}  # many tasks share a due date
    states = []
    for r in rows:
        due = dates.get(r[5])
        if due is None:
            due = dates[r[5]] = date.fromisoformat(r[5])
        states.append(TaskState(r[0], r[1], r[2], REGIONS[r[3]], r[4], due, bool(r[6]), r[7],
                                r[8], STATUSES[r[9]] if r[9] else None, r[10] or None,
                                r[11] or None,
                                tuple(reviewers.get(r[8], ())) if r[8] else ()))
    return states
