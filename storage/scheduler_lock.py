"""Only one scheduler per database: a PostgreSQL advisory lock, or a lock row on SQLite.

APScheduler's job store must not be shared by two running schedulers, and two sweeps at once
would send every nag twice. PostgreSQL holds a session-level advisory lock on a connection kept
for as long as the scheduler runs (it goes when the process dies). SQLite has no such thing, so
a row names the holder until a moment the holder keeps pushing forward; a holder that died
loses it when that moment passes — or at once, when it was a process of this machine that no
longer runs (a bot restarted after a crash schedules again without waiting out the lease).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, Engine, text

from storage.database import is_sqlite

# The advisory lock's key: "peerdesk" in ASCII, as a 64-bit number.
ADVISORY_KEY = 0x7065657264657368
LOCK_NAME = "scheduler"
KEEPALIVES = ("SET tcp_keepalives_idle = 15; SET tcp_keepalives_interval = 5; "
              "SET tcp_keepalives_count = 3")


@dataclass(frozen=True, slots=True)
class LockState:
    """Whether this process holds the lock, and who does when it does not (if known)."""

    held: bool
    holder: str | None = None
    until: datetime | None = None


class SchedulerLock(Protocol):
    """The lock one scheduler per database must hold (blocking calls: run them in a thread)."""

    def acquire(self, now: datetime) -> LockState:
        """Take the lock, or keep it if already held; say who holds it otherwise."""
        ...

    def release(self) -> None:
        """Give the lock up (stopping)."""
        ...


class SqliteLock:
    """A row in ``scheduler_lock`` naming the holder until ``expires_at``."""

    def __init__(self, engine: Engine, holder: str, lease: timedelta) -> None:
        self.engine = engine
        self.holder = holder
        self.lease = lease

    def acquire(self, now: datetime) -> LockState:
        """Take or renew the lease; another holder keeps it until its lease ends."""
        until = now + self.lease
        with self.engine.begin() as conn:
            row = conn.execute(text("SELECT holder, expires_at FROM scheduler_lock "
                                    "WHERE name = :name"), {"name": LOCK_NAME}).first()
            if row is None:
                conn.execute(text("INSERT INTO scheduler_lock (name, holder, expires_at) "
                                  "VALUES (:name, :holder, :until)"),
                             {"name": LOCK_NAME, "holder": self.holder, "until": _at(until)})
                return LockState(True)
            expires = datetime.fromisoformat(str(row[1])).replace(tzinfo=now.tzinfo)
            if row[0] != self.holder and expires > now and not _gone(str(row[0])):
                return LockState(False, str(row[0]), expires)
            conn.execute(text("UPDATE scheduler_lock SET holder = :holder, expires_at = :until "
                              "WHERE name = :name"),
                         {"name": LOCK_NAME, "holder": self.holder, "until": _at(until)})
        return LockState(True)

    def release(self) -> None:
        """Delete the row if it is still ours."""
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM scheduler_lock WHERE name = :name "
                              "AND holder = :holder"), {"name": LOCK_NAME, "holder": self.holder})


def this_machine() -> str:
    """This machine as a lock holder's name starts: the host name and the process-id
    namespace (two containers may share a host name, never a pid namespace)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").removeprefix("pid:").strip("[]")
    except OSError:
        namespace = "?"
    return f"{socket.gethostname()}~{namespace}"


def process_holder() -> str:
    """How this process is named as a lock holder (``HOST~NAMESPACE:PID``)."""
    return f"{this_machine()}:{os.getpid()}"


def _gone(holder: str) -> bool:
    """Whether a holder named ``HOST~NAMESPACE:PID`` was a process of this machine (and pid
    namespace) that has ended."""
    machine, _, pid = holder.rpartition(":")
    if machine != this_machine() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, run by another user
    return False


def _at(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds")


class PostgresLock:
    """A session-level advisory lock on a connection of its own."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None

    def acquire(self, now: datetime) -> LockState:
        """Take the advisory lock (or check that its connection is still alive)."""
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return LockState(True)
            except Exception:  # the connection died: so did the lock
                self._drop()
        # Autocommit: the session lock outlives transactions, and a connection left idle in a
        # transaction may be ended by the server (idle_in_transaction_session_timeout).
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            # The server frees the lock when it sees the session end. A killed process's
            # socket closes at once; a machine that vanished (power, network) is found out by
            # TCP keepalives within about 30 s, rather than the operating system's two hours.
            connection.execute(text(KEEPALIVES))
            held = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                           {"key": ADVISORY_KEY}).scalar())
        except BaseException:
            connection.close()
            raise
        if not held:
            connection.close()
            return LockState(False, _holder(self.engine))
        self._connection = connection
        return LockState(True)

    def release(self) -> None:
        """Unlock and close the lock's connection."""
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                     {"key": ADVISORY_KEY})
        finally:
            self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.invalidate()
            finally:
                connection.close()


def _holder(engine: Engine) -> str | None:
    """Which server process (and client address) holds the advisory lock, if visible."""
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT a.pid, a.client_addr, a.application_name FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
            "AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = :key"),
            {"key": ADVISORY_KEY}).first()
    if row is None:
        return None
    return f"server process {row[0]} ({row[2] or 'no name'}, {row[1] or 'local socket'})"


def scheduler_lock(engine: Engine, url: str, holder: str, lease: timedelta) -> SchedulerLock:
    """The lock that suits the database."""
    return SqliteLock(engine, holder, lease) if is_sqlite(url) else PostgresLock(engine)
