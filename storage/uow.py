"""The unit of work: one database transaction shared by every repository."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.pool import PoolProxiedConnection

from storage.audience import SqlAudiences
from storage.audit import SqlAudit
from storage.broadcasts import SqlBroadcasts
from storage.conversations import SqlConversations
from storage.deliverables import SqlDeliverables
from storage.events import SqlEvents
from storage.followups import SqlFollowups
from storage.help_requests import SqlHelpRequests
from storage.links import SqlLinks
from storage.members import SqlMembers
from storage.outbox import SqlOutbox
from storage.personal_data import SqlPersonalData
from storage.reviews import SqlReviews
from storage.sql import Sql, placeholders
from storage.tasks import SqlTasks
from storage.team_groups import SqlTeamGroups
from storage.teams import SqlTeams
from storage.writer_lock import end_turn, take_turn

# The advisory lock a sweep holds for its transaction: "sweeping" in ASCII.
SWEEP_LOCK_KEY = 0x7377656570696E67


class SqlUnitOfWork:
    """Takes a pooled connection and opens a transaction; commits only when asked."""

    members: SqlMembers
    teams: SqlTeams
    help_requests: SqlHelpRequests
    tasks: SqlTasks
    deliverables: SqlDeliverables
    reviews: SqlReviews
    conversations: SqlConversations
    outbox: SqlOutbox
    audiences: SqlAudiences
    broadcasts: SqlBroadcasts
    events: SqlEvents
    followups: SqlFollowups
    groups: SqlTeamGroups
    links: SqlLinks
    audit: SqlAudit
    privacy: SqlPersonalData

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: PoolProxiedConnection | None = None
        self._sql: Sql | None = None

    def __enter__(self) -> SqlUnitOfWork:
        connection = self.engine.raw_connection()
        try:
            sql = Sql(connection.driver_connection, self.engine.dialect.name)
            take_turn(connection)  # another process writing to the same SQLite file
            try:
                sql.begin()
            except BaseException:
                end_turn(connection)
                raise
        except BaseException:
            connection.close()  # back to the pool, not leaked
            raise
        self._connection = connection
        self._sql = sql
        self.conversations = SqlConversations(sql)
        self.members = SqlMembers(sql, self.conversations)
        self.teams = SqlTeams(sql)
        self.help_requests = SqlHelpRequests(sql)
        self.tasks = SqlTasks(sql)
        self.deliverables = SqlDeliverables(sql)
        self.reviews = SqlReviews(sql)
        self.outbox = SqlOutbox(sql)
        self.audiences = SqlAudiences(sql)
        self.broadcasts = SqlBroadcasts(sql)
        self.events = SqlEvents(sql)
        self.followups = SqlFollowups(sql)
        self.groups = SqlTeamGroups(sql)
        self.links = SqlLinks(sql)
        self.audit = SqlAudit(sql)
        self.privacy = SqlPersonalData(sql)
        return self

    def __exit__(self, *exc: Any) -> None:
        connection, sql = self._connection, self._sql
        self._connection = self._sql = None
        if connection is None or sql is None:
            return
        try:
            connection.rollback()  # after a commit this is a no-op
            end_turn(connection)
            sql.close()
        finally:
            connection.close()

    def _require(self) -> tuple[PoolProxiedConnection, Sql]:
        assert self._connection is not None and self._sql is not None, "outside a unit of work"
        return self._connection, self._sql

    def commit(self) -> None:
        """Store everything done in this unit of work."""
        self._require()[0].commit()

    def rollback(self) -> None:
        """Forget everything done in this unit of work."""
        self._require()[0].rollback()

    def mark_handled(self, platform: str, receipts: Sequence[int], now: datetime) -> None:
        """Mark journalled updates handled, in this transaction (one statement for all)."""
        if not receipts:
            return
        sql = self._require()[1]
        at = sql.time(now)
        sql.run_many("UPDATE platform_updates SET done_at = :now WHERE platform = :platform "
                     "AND update_id = :receipt", [{"now": at, "platform": platform,
                                                   "receipt": receipt} for receipt in receipts])

    def handled_already(self, platform: str, receipts: Sequence[int]) -> set[int]:
        """Which of these journalled updates are marked handled.

        On PostgreSQL their journal rows stay locked until this transaction ends, so that two
        processes handed the same update (one replaying what the other has in hand) handle it
        once: the second waits for the first's commit and then finds it handled. (SQLite's
        write transactions run one at a time anyway.)"""
        if not receipts:
            return set()
        sql = self._require()[1]
        marks, params = placeholders("r", receipts)
        lock = " FOR UPDATE" if self.engine.dialect.name == "postgresql" else ""
        return {int(row[0]) for row in sql.rows(
            f"SELECT update_id, done_at FROM platform_updates WHERE platform = :platform "
            f"AND update_id IN ({marks}) ORDER BY update_id{lock}",
            {"platform": platform, **params}) if row[1] is not None}

    def one_sweep_at_a_time(self) -> None:
        """PostgreSQL: a transaction-scoped advisory lock; SQLite's immediate transactions
        already run one at a time."""
        sql = self._require()[1]
        if self.engine.dialect.name == "postgresql":
            sql.run("SELECT pg_advisory_xact_lock(:key)", {"key": SWEEP_LOCK_KEY})

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: on an exception inside it, only its own changes are undone."""
        try:
            with self._require()[1].savepoint():
                yield
        except BaseException:
            self.conversations.known.clear()  # it may remember what was just undone
            raise


