"""The ``Broadcasts`` port in SQL."""

from __future__ import annotations

from storage.sql import Sql


class SqlBroadcasts:
    """The ``Broadcasts`` port on one unit of work's connection."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql
