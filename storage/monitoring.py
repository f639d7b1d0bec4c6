"""Looks at the database for the health check and the metrics: whether it answers, what waits
in the outbox, and which nags a sweep queued.

The health check and the metrics read through an engine of their own (:func:`looking_engine`):
on SQLite a read-only connection opened afresh each time, which never takes the writers' lock
(the help desk's engine begins every transaction as a writer) and fails once the file is gone
or unreadable; on PostgreSQL one pooled connection with short connect and statement timeouts.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from storage.models import NagRow, OutboxRowModel, table

outbox = table(OutboxRowModel)
nags = table(NagRow)
# Rows not sent yet: waiting for their translation, or to be sent (again).
UNSENT = ("translating", "pending")
# Rows set aside for good: refused (dead letters), or for a recipient who cannot be reached.
SET_ASIDE = ("failed", "unreachable")


@dataclass(frozen=True, slots=True)
class OutboxState:
    """What the outbox holds now: unsent rows and rows set aside, by (platform, status), and
    when the oldest unsent row was queued (None when there is none)."""

    unsent: dict[tuple[str, str], int] = field(default_factory=dict)
    set_aside: dict[tuple[str, str], int] = field(default_factory=dict)
    oldest_unsent: datetime | None = None


def looking_engine(url: str, timeout: float) -> Engine:
    """An engine for looking only, that gives up after about ``timeout`` seconds."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        seconds = max(1, round(timeout))
        return create_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=True,
                             pool_timeout=timeout, connect_args={
                                 "connect_timeout": seconds,
                                 "options": f"-c statement_timeout={seconds * 1000}"})
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return create_engine(url, poolclass=NullPool)  # nothing to open read-only apart
    location = "file:" + quote(str(Path(database).resolve())) + "?mode=ro"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(location, uri=True, timeout=timeout, check_same_thread=False)

    return create_engine("sqlite://", creator=connect, poolclass=NullPool)


def answers(engine: Engine) -> None:
    """Read one outbox row (any); raises whatever the database raises when it cannot."""
    with engine.connect() as conn:
        conn.execute(select(outbox.c.id).limit(1)).all()


def outbox_state(engine: Engine) -> OutboxState:
    """Count what waits in the outbox (an index range: the unsent rows are few)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.platform, outbox.c.status, func.count(),
                   func.min(outbox.c.created_at))
            .where(outbox.c.status.in_([*UNSENT, *SET_ASIDE]))
            .group_by(outbox.c.platform, outbox.c.status)).all()
    unsent: dict[tuple[str, str], int] = {}
    set_aside: dict[tuple[str, str], int] = {}
    oldest: datetime | None = None
    for platform, status, count, first in rows:
        if status in SET_ASIDE:
            set_aside[(platform, status)] = int(count)
            continue
        unsent[(platform, status)] = int(count)
        moment = _utc(first)
        if moment is not None and (oldest is None or moment < oldest):
            oldest = moment
    return OutboxState(unsent, set_aside, oldest)


def nags_sent_since(engine: Engine, since: datetime) -> dict[str, int]:
    """How many nags were recorded as sent at ``since`` or later, by rule (the nag record
    keeps the last one per rule, item and member, so right after a sweep: that sweep's)."""
    with engine.connect() as conn:
        rows = conn.execute(select(nags.c.rule, func.count())
                            .where(nags.c.sent_at >= since).group_by(nags.c.rule)).all()
    return {str(rule): int(count) for rule, count in rows}


def _utc(value: object) -> datetime | None:
    """A moment read back from an aggregate (SQLite returns the stored text)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
