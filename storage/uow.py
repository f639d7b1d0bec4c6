"""The unit of work: one database transaction shared by every repository."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction

from storage.conversations import SqlConversations
from storage.help_requests import SqlHelpRequests
from storage.members import SqlMembers
from storage.outbox import SqlOutbox
from storage.teams import SqlTeams


class SqlUnitOfWork:
    """Opens a connection and a transaction; commits only when asked, rolls back otherwise."""

    members: SqlMembers
    teams: SqlTeams
    help_requests: SqlHelpRequests
    conversations: SqlConversations
    outbox: SqlOutbox

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None

    def __enter__(self) -> SqlUnitOfWork:
        conn = self.engine.connect()
        self._conn = conn
        self._tx = conn.begin()
        self.members = SqlMembers(conn)
        self.teams = SqlTeams(conn)
        self.help_requests = SqlHelpRequests(conn)
        self.conversations = SqlConversations(conn)
        self.outbox = SqlOutbox(conn)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._tx = None

    def commit(self) -> None:
        """Store everything done in this unit of work."""
        assert self._tx is not None, "commit outside a unit of work"
        self._tx.commit()

    def rollback(self) -> None:
        """Forget everything done in this unit of work."""
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()
