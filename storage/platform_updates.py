"""The update journal in SQL: record each platform update once, mark it done, find the
unfinished ones after a restart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from storage.models import table
from storage.models_updates import PlatformUpdateRow
from storage.sql import placeholders, sql_transaction

updates = table(PlatformUpdateRow)
# What is recorded of an update: its payload, or the payload's JSON text exactly as the platform
# sent it (kept as it is: no need to encode it again).
Recorded = dict[str, Any] | str


class UpdateJournal:
    """Which updates of one platform arrived and which were handled (blocking: run it in the
    database's worker thread)."""

    def __init__(self, engine: Engine, platform: str) -> None:
        self.engine = engine
        self.platform = platform

    def record(self, update_id: int, payload: dict[str, Any], now: datetime) -> bool:
        """Keep a new update; False when it was already recorded (a repeat to ignore)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(updates).values(platform=self.platform, update_id=update_id,
                                                    payload=payload, received_at=now))
        except IntegrityError:
            return False
        return True

    def record_many(self, received: Sequence[tuple[int, Recorded]], now: datetime) -> set[int]:
        """Keep a batch of updates in one transaction; the ids that were new (the others are
        repeats to ignore). The same update recorded at the same moment by another transaction
        (a webhook delivery and its repeat) makes this one fail on the unique key: it is then
        tried once more, and finds that update known. Plain SQL on the driver: this runs for
        every event before its ack (see storage/sql.py for why)."""
        duplicate = self.engine.dialect.loaded_dbapi.IntegrityError
        try:
            return self._record_many(received, now)
        except duplicate:
            return self._record_many(received, now)

    def _record_many(self, received: Sequence[tuple[int, Recorded]],
                     now: datetime) -> set[int]:
        ids = [update_id for update_id, _payload in received]
        if not ids:
            return set()
        with sql_transaction(self.engine) as sql:
            marks, params = placeholders("u", ids)
            known = {int(row[0]) for row in sql.rows(
                f"SELECT update_id FROM platform_updates WHERE platform = :platform "
                f"AND update_id IN ({marks})", {"platform": self.platform, **params})}
            fresh = {update_id: payload for update_id, payload in received
                     if update_id not in known}
            # A microsecond apart, in the order given: updates left unfinished are handled
            # again in that order (Slack's numbers are hashes, so they cannot say it).
            sql.run_many(
                "INSERT INTO platform_updates (platform, update_id, payload, received_at) "
                "VALUES (:platform, :update_id, :payload, :received_at)",
                [{"platform": self.platform, "update_id": update_id,
                  "payload": payload if isinstance(payload, str) else sql.json(payload),
                  "received_at": sql.time(now + timedelta(microseconds=position))}
                 for position, (update_id, payload) in enumerate(fresh.items())])
        return set(fresh)

    def finish(self, update_id: int, now: datetime) -> None:
        """Mark an update handled."""
        with self.engine.begin() as conn:
            conn.execute(update(updates).where(updates.c.platform == self.platform,
                                               updates.c.update_id == update_id)
                         .values(done_at=now))

    def unfinished(self) -> list[dict[str, Any]]:
        """Updates recorded but never handled (the process stopped in between), in the order
        they arrived (Slack's numbers are hashes, not a sequence)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(updates.c.payload)
                                .where(updates.c.platform == self.platform,
                                       updates.c.done_at.is_(None))
                                .order_by(updates.c.received_at, updates.c.update_id)).all()
        return [dict(row.payload) for row in rows]

    def last_update_id(self) -> int | None:
        """The newest update recorded (polling resumes after it)."""
        with self.engine.connect() as conn:
            found = conn.execute(select(updates.c.update_id)
                                 .where(updates.c.platform == self.platform)
                                 .order_by(updates.c.update_id.desc()).limit(1)).scalar()
        return int(found) if found is not None else None


def forget_handled_updates(engine: Engine, before: datetime) -> int:
    """Delete the updates of every platform handled before ``before`` (what people wrote stays
    in the journal only as long as it may be needed again), keeping each platform's newest
    (Telegram's polling resumes after it); how many were deleted."""
    deleted = 0
    with engine.begin() as conn:
        newest = conn.execute(select(updates.c.platform, func.max(updates.c.update_id))
                              .group_by(updates.c.platform)).all()
        for platform, last in newest:
            result = conn.execute(delete(updates).where(
                updates.c.platform == platform, updates.c.done_at.is_not(None),
                updates.c.done_at < before, updates.c.update_id != last))
            deleted += int(result.rowcount)
    return deleted
