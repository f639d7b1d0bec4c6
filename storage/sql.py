"""Hand-written SQL on a unit of work's own driver connection, for SQLite and PostgreSQL.

The use cases' queries are short index look-ups. Through SQLAlchemy's statement machinery each
one cost about 70 µs on these machines, against about 10 µs on the driver itself, which made the
throughput targets unreachable; so the repositories write plain SQL with ``:name`` parameters,
and this module adapts the few things that differ between the two databases (parameter style,
how times and JSON travel, how a transaction starts). SQLAlchemy still defines the schema, runs
the migrations and owns the connection pool.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Engine

from storage.writer_lock import end_turn, take_turn

Params = Mapping[str, Any]
T = TypeVar("T")
Row = tuple[Any, ...]

_NAMED = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


@lru_cache(maxsize=512)
def _pyformat(sql: str) -> str:
    """``:name`` placeholders in the ``%(name)s`` style psycopg expects."""
    return _NAMED.sub(r"%(\1)s", sql)


def padded(values: Iterable[T]) -> list[T]:
    """The values of an ``IN (…)`` list, the last one repeated up to the next power of two.

    A statement then takes one of a few shapes whatever the list's length, and the drivers'
    caches of prepared statements (sqlite3 keeps the last 128 per connection, psycopg prepares
    what runs often) hold those few instead of one per length: with a few hundred parameters a
    prepared statement takes tens of kilobytes, and a process sending broadcasts kept adding
    them.
    """
    found = list(values)
    if len(found) < 2:
        return found
    return found + [found[-1]] * ((1 << (len(found) - 1).bit_length()) - len(found))


def placeholders(prefix: str, values: Iterable[Any]) -> tuple[str, dict[str, Any]]:
    """``:p0, :p1, …`` for an ``IN (…)`` list, with the parameters to go with it (see
    :func:`padded`)."""
    params = {f"{prefix}{i}": value for i, value in enumerate(padded(values))}
    return ", ".join(f":{name}" for name in params) or "NULL", params


class Savepoint:
    """``with sql.savepoint():`` — the changes inside are undone if the block raises."""

    def __init__(self, cursor: Any, name: str) -> None:
        self._cursor = cursor
        self._name = name

    def __enter__(self) -> None:
        self._cursor.execute(f"SAVEPOINT {self._name}")

    def __exit__(self, kind: type[BaseException] | None, *_rest: object) -> None:
        if kind is not None:
            self._cursor.execute(f"ROLLBACK TO SAVEPOINT {self._name}")
        self._cursor.execute(f"RELEASE SAVEPOINT {self._name}")


class Sql:
    """Runs SQL on one driver connection inside the unit of work's transaction."""

    def __init__(self, connection: Any, dialect: str) -> None:
        self._connection = connection
        self._cursor = connection.cursor()
        self._postgres = dialect == "postgresql"
        self._savepoints = 0

    def _execute(self, sql: str, params: Params | None) -> Any:
        if self._postgres:
            return self._cursor.execute(_pyformat(sql), params or {})
        return self._cursor.execute(sql, params or {})

    def rows(self, sql: str, params: Params | None = None) -> list[Row]:
        """Every row a query returns."""
        self._execute(sql, params)
        return self._cursor.fetchall()  # type: ignore[no-any-return]  # tuples on both drivers

    def row(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row a query returns, if any."""
        self._execute(sql, params)
        return self._cursor.fetchone()  # type: ignore[no-any-return]

    def run(self, sql: str, params: Params | None = None) -> int:
        """Run a statement; how many rows it changed."""
        self._execute(sql, params)
        return int(self._cursor.rowcount)

    def insert(self, sql: str, params: Params) -> int:
        """Run an ``INSERT … RETURNING id`` and give the new id."""
        self._execute(sql, params)
        found = self._cursor.fetchone()
        assert found is not None, "INSERT … RETURNING gave no row"
        return int(found[0])

    def run_many(self, sql: str, rows: Sequence[Params]) -> None:
        """Run one statement for each set of parameters."""
        if len(rows) == 1:
            self._execute(sql, rows[0])  # the driver's executemany costs more for one row
        elif rows:
            self._cursor.executemany(_pyformat(sql) if self._postgres else sql, rows)

    def time(self, moment: datetime) -> Any:
        """A UTC moment as the database stores it."""
        if moment.tzinfo is None:
            raise ValueError("naive datetime given; use UTC-aware datetimes")
        if self._postgres:
            return moment.astimezone(UTC)
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    def read_time(self, value: Any) -> datetime:
        """A stored moment back as an aware UTC datetime."""
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)

    def json(self, value: Any) -> str:
        """A value for a JSON column."""
        return "[]" if value == [] else json.dumps(value)  # most messages have no buttons

    def read_json(self, value: Any) -> Any:
        """A JSON column's value back as Python data."""
        return json.loads(value) if isinstance(value, str | bytes) else value

    def begin(self) -> None:
        """Start the transaction (PostgreSQL's driver starts one by itself)."""
        if not self._postgres:
            self._cursor.execute("BEGIN IMMEDIATE")  # take the write lock now, waiting if busy

    def savepoint(self) -> Savepoint:
        """A nested transaction: on an exception, undo only what happened inside it."""
        self._savepoints += 1
        return Savepoint(self._cursor, f"sp{self._savepoints}")

    def close(self) -> None:
        """Close the cursor (the connection goes back to the pool separately)."""
        self._cursor.close()


@contextmanager
def sql_transaction(engine: Engine) -> Iterator[Sql]:
    """``with sql_transaction(engine) as sql:`` — one transaction on a pooled driver
    connection, committed when the block ends, rolled back if it raises."""
    connection = engine.raw_connection()
    try:
        sql = Sql(connection.driver_connection, engine.dialect.name)
        take_turn(connection)  # another process writing to the same SQLite file
        try:
            sql.begin()
            yield sql
            connection.commit()
        finally:
            connection.rollback()  # after a commit this is a no-op
            end_turn(connection)
            sql.close()
    finally:
        connection.close()
