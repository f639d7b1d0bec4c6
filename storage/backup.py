"""``peerdesk backup PATH``: a consistent copy of a live SQLite database and its file store.

What makes the copy consistent while the bot keeps running:

* The database is copied with SQLite's online backup API in a single step, which reads one
  snapshot of the database: in WAL mode a reader blocks no writer, and what other processes
  commit meanwhile simply is not in the copy. The writer lock (storage/writer_lock.py) is not
  taken: it orders writers, and holding it would stop the bot for the whole copy for nothing.
* The files are copied after the database. A deliverable's bytes reach the store (and are
  never removed) before the row naming them is committed, so every file the database copy
  refers to is in the store by the time the files are copied; files that arrive later are
  copied too, unreferenced and harmless. The copy then checks this, and each file's sha256.
* Everything is written into a temporary folder beside PATH, synced, and renamed to PATH at the
  end: a backup that stops half-way leaves no PATH behind, and an existing backup is never
  touched.

PostgreSQL is refused rather than half backed up: ``pg_dump`` is the tool for its consistent
copy (it matches the server's version and reads the credentials its own way); README.md,
section "Backups", gives the commands.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from storage.backup_files import FILES, FilesCopied, copy_files, referenced_files
from storage.database import is_sqlite
from storage.migrate import current_revision

MANIFEST = "manifest.json"
SUMMARY_TABLES = ("members", "teams", "tasks", "deliverables", "versions", "help_requests",
                  "broadcasts", "events", "outbox")


class BackupError(Exception):
    """Why no backup was made, in one line for the operator."""


@dataclass(frozen=True, slots=True)
class Backup:
    """A finished backup: where it is and what it holds (as its manifest says)."""

    path: Path
    database: str
    revision: str | None
    rows: dict[str, int]
    files: int
    file_bytes: int
    missing: list[str]
    damaged: list[str]

    def summary(self) -> list[str]:
        """What the backup holds, in a few lines for the operator."""
        counts = ", ".join(f"{self.rows[t]} {t.replace('_', ' ')}"
                           for t in SUMMARY_TABLES if t in self.rows)
        return [f"backup written to {self.path}",
                f"database: {self.database} at schema revision {self.revision}",
                f"rows:     {counts}",
                f"files:    {self.files} ({self.file_bytes} bytes)"]

    def problems(self, limit: int = 10) -> list[str]:
        """What the live data already lacked: referenced files absent, or damaged ones (the
        first ``limit``; the manifest lists them all)."""
        found = ([f"missing from the file store: {name}" for name in self.missing]
                 + [f"damaged in the file store (bytes do not match the name): {name}"
                    for name in self.damaged])
        if len(found) > limit:
            return [*found[:limit], f"and {len(found) - limit} more: see {MANIFEST}"]
        return found


def back_up(database_url: str, data_dir: Path, target: Path, now: datetime) -> Backup:
    """Copy the SQLite database at ``database_url`` and the file store in ``data_dir`` into a
    new folder ``target``, with a manifest; raises :class:`BackupError` when it cannot."""
    source = _sqlite_file(database_url, data_dir)
    store = (data_dir / FILES).resolve()
    target = target.absolute()
    try:
        _check_target(target, store)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    except OSError as exc:
        raise BackupError(f"cannot write in {target.parent}: {exc.strerror or exc}") from exc
    try:
        backup = _fill(staging, source, store, now)
        _sync(staging)
        os.rename(staging, target)
        _sync(target.parent)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise BackupError(f"cannot write the backup into {target}: "
                              f"{exc.strerror or exc}") from exc
        raise
    return replace(backup, path=target)


def _sqlite_file(database_url: str, data_dir: Path) -> Path:
    """The live database file, or why there is nothing this command can copy."""
    if not is_sqlite(database_url):
        raise BackupError(
            "the database is PostgreSQL, which peerdesk backup does not copy: run "
            f"pg_dump -Fc, then copy {data_dir / FILES} (README.md, section Backups)")
    name = make_url(database_url).database
    if not name or name == ":memory:":
        raise BackupError(f"the database {database_url} is not a file; nothing to back up")
    source = Path(name).resolve()
    if not source.is_file():
        raise BackupError(f"no database at {source}; nothing to back up")
    return source


def _check_target(target: Path, store: Path) -> None:
    """Refuse a PATH that would overwrite something or cannot be made."""
    if target.is_dir() and any(target.iterdir()):
        raise BackupError(f"{target} exists and is not empty; give a new folder")
    if target.exists() and not target.is_dir():
        raise BackupError(f"{target} exists and is not a folder; give a new folder")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not an existing folder")
    if target.resolve().is_relative_to(store):
        raise BackupError(f"{target} is inside the file store {store}; choose another place")


def _fill(folder: Path, source: Path, store: Path, now: datetime) -> Backup:
    """Write the database copy, then the files, then the manifest into ``folder``."""
    database = folder / source.name
    _copy_database(source, database)
    rows = _row_counts(database)
    revision = _revision(database)
    files = copy_files(store, folder / FILES)
    backup = Backup(folder, source.name, revision, rows, files.count, files.size,
                    sorted(referenced_files(database, set(rows)) - files.names),
                    files.damaged)
    _write_manifest(folder / MANIFEST, backup, source, store, files, now)
    return backup


def _copy_database(source: Path, copy: Path) -> None:
    """The online backup of the live database into a standalone file (no -wal beside it)."""
    try:
        live = sqlite3.connect(f"{source.as_uri()}?mode=rw", uri=True, timeout=30)
        try:
            out = sqlite3.connect(copy)
            try:
                live.backup(out)  # every page in one step: one snapshot
                out.execute("PRAGMA journal_mode=DELETE")
                check = out.execute("PRAGMA quick_check").fetchone()
            finally:
                out.close()
        finally:
            live.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy the database {source}: {exc}") from exc
    if check != ("ok",):
        raise BackupError(f"the copy of {source} fails SQLite's check: {check[0]}")


def _row_counts(database: Path) -> dict[str, int]:
    """How many rows each table of the copy holds."""
    connection = sqlite3.connect(database)
    try:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'alembic_version' ORDER BY name")]
        return {table: int(connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])
                for table in tables}
    finally:
        connection.close()


def _revision(database: Path) -> str | None:
    """The Alembic revision of the copy (a plain engine: it must stay out of WAL mode)."""
    engine = create_engine(f"sqlite:///{database}", poolclass=NullPool)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def _write_manifest(path: Path, backup: Backup, source: Path, store: Path, files: FilesCopied,
                    now: datetime) -> None:
    """What the backup holds, for the operator who finds it later."""
    manifest = {
        "peerdesk": _peerdesk_version(),
        "created_at": now.isoformat(),
        "database": {"file": backup.database, "copied_from": str(source),
                     "schema_revision": backup.revision, "rows": backup.rows},
        "files": {"folder": FILES, "copied_from": str(store), "count": files.count,
                  "bytes": files.size, "missing": backup.missing, "damaged": backup.damaged},
    }
    with path.open("x", encoding="utf-8") as out:
        json.dump(manifest, out, indent=2)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())


def _peerdesk_version() -> str:
    try:
        return version("peerdesk")
    except PackageNotFoundError:
        return "unknown"


def _sync(folder: Path) -> None:
    """Make a folder's entries (a new file, a rename) survive a power cut."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
