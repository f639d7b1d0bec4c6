"""The audit log in SQL (the ``Audit`` port)."""

from __future__ import annotations

from handlers.privacy_ports import AuditEntry, AuditKind, Person
from storage.sql import Row, Sql

_ADD = ("INSERT INTO audit_log (at, kind, actor_id, actor_name, subject_id, subject_name, "
        "other_id, other_name, details) VALUES (:at, :kind, :actor_id, :actor_name, "
        ":subject_id, :subject_name, :other_id, :other_name, :details)")
_LATEST = ("SELECT id, at, kind, actor_id, actor_name, subject_id, subject_name, other_id, "
           "other_name, details FROM audit_log ORDER BY id DESC LIMIT :limit")
_KINDS = {kind.value: kind for kind in AuditKind}


def _person(member_id: int | None, name: str | None) -> Person | None:
    return Person(member_id, name or "") if member_id is not None else None


class SqlAudit:
    """The ``Audit`` port on one unit of work."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def add(self, entry: AuditEntry) -> None:
        """Record one entry in the current transaction."""
        params: dict[str, object] = {"at": self.sql.time(entry.at), "kind": entry.kind.value,
                                     "details": self.sql.json(dict(entry.details))}
        for role, person in (("actor", entry.actor), ("subject", entry.subject),
                             ("other", entry.other)):
            params[f"{role}_id"] = person.id if person is not None else None
            params[f"{role}_name"] = person.name[:80] if person is not None else None
        self.sql.run(_ADD, params)

    def latest(self, limit: int) -> list[AuditEntry]:
        """The newest entries, newest first (entries of a kind this code no longer knows are
        left out)."""
        return [self._entry(row) for row in self.sql.rows(_LATEST, {"limit": limit})
                if row[2] in _KINDS]

    def _entry(self, row: Row) -> AuditEntry:
        return AuditEntry(kind=_KINDS[row[2]], at=self.sql.read_time(row[1]),
                          actor=_person(row[3], row[4]), subject=_person(row[5], row[6]),
                          other=_person(row[7], row[8]),
                          details=self.sql.read_json(row[9]) or {}, id=row[0])
