"""The ``Broadcasts`` port in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from handlers.audience import Recipient
from handlers.broadcast_ports import Broadcast, Figures, NewBroadcast, Status, When
from handlers.messages import Attachment
from storage.rows import LANGUAGES
from storage.sql import Row, Sql, placeholders

_COLUMNS = ("id, sender_id, sender_name, audience, text, language, attachments, schedule, "
            "send_at, local_time, status, recipients, reported_percent, created_at")
_CREATE = ("INSERT INTO broadcasts (sender_id, sender_name, draft, audience, text, language, "
           "attachments, schedule, send_at, local_time, status, recipients, created_at, "
           "started_at) VALUES (:sender, :name, :draft, :audience, :text, :language, :files, "
           ":schedule, :send_at, :local_time, :status, :recipients, :now, :started) "
           "ON CONFLICT (draft) DO NOTHING RETURNING id")
_WAIT = ("INSERT INTO broadcast_waits (broadcast_id, member_id, due_at) "
         "VALUES (:broadcast, :member, :due)")
_TAKE_DUE = "DELETE FROM broadcast_waits WHERE due_at <= :now RETURNING broadcast_id, member_id"
_READERS = ("SELECT id, primary_identity, language, auto_translate, timezone FROM members "
            "WHERE id IN ({ids})")
# Members looked up per query when releasing (bounded: database parameter limits).
_CHUNK = 2000
_STATUSES = {status.value: status for status in Status}
_SCHEDULES = {when.value: when for when in When}


class SqlBroadcasts:
    """The ``Broadcasts`` port on one unit of work's connection."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def create(self, new: NewBroadcast, status: Status, now: datetime) -> int | None:
        """Store a confirmed broadcast; None when this draft was stored already."""
        sql = self.sql
        row = sql.row(_CREATE, {
            "sender": new.sender_id, "name": new.sender_name[:80],
            "draft": f"{new.sender_id}:{new.draft}", "audience": new.audience,
            "text": new.text, "language": new.language.value,
            "files": sql.json([{"name": a.filename, "size": a.size, "type": a.content_type,
                                "location": a.location} for a in new.attachments]),
            "schedule": new.when.value,
            "send_at": sql.time(new.send_at) if new.send_at is not None else None,
            "local_time": new.local_time, "status": status.value,
            "recipients": new.recipients, "now": sql.time(now),
            "started": sql.time(now) if status == Status.SENDING else None})
        return int(row[0]) if row is not None else None

    def schedule(self, broadcast_id: int, due: Iterable[tuple[int, datetime]]) -> None:
        """Hold each (member, moment) until the sweep releases it (one statement)."""
        time = self.sql.time
        self.sql.run_many(_WAIT, [{"broadcast": broadcast_id, "member": member,
                                   "due": time(moment)} for member, moment in due])

    def take_due(self, now: datetime) -> list[tuple[int, Recipient]]:
        """The (broadcast, reader) pairs due by now, taken off the schedule atomically."""
        taken = self.sql.rows(_TAKE_DUE, {"now": self.sql.time(now)})
        if not taken:
            return []
        members = sorted({row[1] for row in taken})
        readers: dict[int, Recipient] = {}
        for start in range(0, len(members), _CHUNK):
            listed, params = placeholders("m", members[start:start + _CHUNK])
            for row in self.sql.rows(_READERS.format(ids=listed), params):
                readers[row[0]] = Recipient(row[0], row[1], LANGUAGES[row[2]], bool(row[3]),
                                            row[4])
        return [(broadcast, readers[member]) for broadcast, member in sorted(taken)
                if member in readers]

    def get(self, broadcast_id: int) -> Broadcast | None:
        """One broadcast."""
        return self.many([broadcast_id]).get(broadcast_id)

    def many(self, broadcast_ids: Iterable[int]) -> dict[int, Broadcast]:
        """Several broadcasts by id."""
        listed, params = placeholders("b", list(broadcast_ids))
        rows = self.sql.rows(f"SELECT {_COLUMNS} FROM broadcasts WHERE id IN ({listed})", params)
        return {row[0]: self._broadcast(row) for row in rows}

    def recent(self, limit: int) -> list[Broadcast]:
        """The newest broadcasts, newest first."""
        rows = self.sql.rows(f"SELECT {_COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT :limit",
                             {"limit": limit})
        return [self._broadcast(row) for row in rows]

    def running(self) -> list[Broadcast]:
        """The broadcasts being delivered (on the partial index of those)."""
        rows = self.sql.rows(f"SELECT {_COLUMNS} FROM broadcasts WHERE status = 'sending' "
                             "ORDER BY id")
        return [self._broadcast(row) for row in rows]

    def figures(self, broadcast_ids: Sequence[int]) -> dict[int, Figures]:
        """What became of each broadcast's messages: outbox rows by status (on the index of
        the outbox's context), and readers still scheduled."""
        if not broadcast_ids:
            return {}
        listed, params = placeholders("b", broadcast_ids)
        counts: dict[int, dict[str, int]] = {b: {} for b in broadcast_ids}
        for broadcast, status, count in self.sql.rows(
                "SELECT context_id, status, COUNT(*) FROM outbox WHERE context = 'broadcast' "
                f"AND context_id IN ({listed}) GROUP BY context_id, status", params):
            counts[broadcast][status] = int(count)
        for broadcast, count in self.sql.rows(
                "SELECT broadcast_id, COUNT(*) FROM broadcast_waits "
                f"WHERE broadcast_id IN ({listed}) GROUP BY broadcast_id", params):
            counts[broadcast]["waiting"] = int(count)
        return {b: Figures(delivered=c.get("sent", 0), failed=c.get("failed", 0),
                           pending=c.get("pending", 0) + c.get("translating", 0),
                           waiting=c.get("waiting", 0)) for b, c in counts.items()}

    def start(self, broadcast_id: int, now: datetime) -> None:
        """A scheduled broadcast's first readers were released."""
        self.sql.run("UPDATE broadcasts SET status = 'sending', started_at = :now "
                     "WHERE id = :id AND status = 'scheduled'",
                     {"id": broadcast_id, "now": self.sql.time(now)})

    def report(self, broadcast_id: int, percent: int) -> None:
        """Remember the share of delivery last reported."""
        self.sql.run("UPDATE broadcasts SET reported_percent = :percent WHERE id = :id",
                     {"id": broadcast_id, "percent": percent})

    def finish(self, broadcast_id: int, now: datetime) -> bool:
        """Every message settled; False when it had finished already."""
        return self.sql.run("UPDATE broadcasts SET status = 'done', finished_at = :now "
                            "WHERE id = :id AND status = 'sending'",
                            {"id": broadcast_id, "now": self.sql.time(now)}) > 0

    def cancel(self, broadcast_id: int, now: datetime) -> int:
        """Drop the readers not yet released; a broadcast nobody got is cancelled."""
        dropped = self.sql.run("DELETE FROM broadcast_waits WHERE broadcast_id = :id",
                               {"id": broadcast_id})
        if dropped:
            self.sql.run(
                "UPDATE broadcasts SET recipients = recipients - :dropped, "
                "status = CASE WHEN status = 'scheduled' THEN 'cancelled' ELSE status END, "
                "finished_at = CASE WHEN status = 'scheduled' THEN :now ELSE finished_at END "
                "WHERE id = :id", {"id": broadcast_id, "dropped": dropped,
                                   "now": self.sql.time(now)})
        return dropped

    def _broadcast(self, row: Row) -> Broadcast:
        files: list[dict[str, Any]] = self.sql.read_json(row[6]) or []
        return Broadcast(
            id=row[0], sender_id=row[1], sender_name=row[2], audience=row[3], text=row[4],
            language=LANGUAGES[row[5]],
            attachments=tuple(Attachment(f["name"], f["size"], f.get("type"), f.get("location"))
                              for f in files),
            when=_SCHEDULES[row[7]],
            send_at=self.sql.read_time(row[8]) if row[8] is not None else None,
            local_time=row[9], status=_STATUSES[row[10]], recipients=row[11],
            reported_percent=row[12], created_at=self.sql.read_time(row[13]))
