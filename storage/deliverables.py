"""Deliverables and their versions, in SQL."""

from __future__ import annotations

from datetime import datetime

from handlers.domain import Deliverable, DeliverableStatus, Version
from storage.sql import Row, Sql

_DELIVERABLE = "SELECT id, team_id, task_id, status, created_at FROM deliverables"
_VERSIONS = ("SELECT id, deliverable_id, number, sha256, filename, size, kind, submitted_by, "
             "submitted_at FROM versions WHERE deliverable_id = :deliverable ORDER BY number")
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
            "INSERT INTO deliverables (team_id, task_id, status, created_at) "
            "VALUES (:team, :task, 'submitted', :now) RETURNING id",
            {"team": team_id, "task": task_id, "now": self.sql.time(now)})
        return Deliverable(deliverable_id, team_id, task_id, DeliverableStatus.SUBMITTED, now)

    def versions(self, deliverable_id: int) -> list[Version]:
        """A deliverable's versions, oldest first."""
        return [Version(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], self.sql.read_time(r[8]))
                for r in self.sql.rows(_VERSIONS, {"deliverable": deliverable_id})]

    def set_status(self, deliverable_id: int, status: DeliverableStatus) -> None:
        """Move a deliverable along its review."""
        self.sql.run("UPDATE deliverables SET status = :status WHERE id = :id",
                     {"status": status.value, "id": deliverable_id})

    def version(self, version_id: int) -> Version | None:
        """One version by id."""
        row = self.sql.row(_VERSIONS.replace("deliverable_id = :deliverable ORDER BY number",
                                             "id = :id"), {"id": version_id})
        if row is None:
            return None
        return Version(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                       self.sql.read_time(row[8]))

    def add_version(self, deliverable_id: int, sha256: str, filename: str, size: int,
                    kind: str, by: int, now: datetime) -> Version:
        """Record the next version of a deliverable."""
        row = self.sql.row("SELECT COALESCE(MAX(number), 0) FROM versions "
                           "WHERE deliverable_id = :deliverable", {"deliverable": deliverable_id})
        number = int(row[0]) + 1 if row is not None else 1
        version_id = self.sql.insert(
            "INSERT INTO versions (deliverable_id, number, sha256, filename, size, kind, "
            "submitted_by, submitted_at) VALUES (:deliverable, :number, :sha, :name, :size, "
            ":kind, :by, :now) RETURNING id",
            {"deliverable": deliverable_id, "number": number, "sha": sha256, "name": filename,
             "size": size, "kind": kind, "by": by, "now": self.sql.time(now)})
        return Version(version_id, deliverable_id, number, sha256, filename, size, kind, by, now)
