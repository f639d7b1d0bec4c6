"""The ``Events`` port in SQL."""

from __future__ import annotations

from storage.sql import Sql


class SqlEvents:
    """The ``Events`` port on one unit of work's connection."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql
