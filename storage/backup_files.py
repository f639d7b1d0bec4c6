"""The file store's part of a backup: copying ``DATA/files`` and checking it against a database.

The store is content-addressed (storage/files.py): a file is named after the sha256 of its
bytes, written once through a temporary ``.incoming-*`` file and a rename, and never changed or
deleted afterwards. So a copy can be checked on the way (the bytes must hash to the name), and
a file that some database row names is either in the store already or never will be.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

FILES = "files"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


@dataclass(slots=True)
class FilesCopied:
    """What a copy of the file store holds: how many files, how many bytes, and the names of
    those whose bytes do not hash to their name (damaged in the live store already)."""

    count: int = 0
    size: int = 0
    damaged: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)


def copy_files(store: Path, copy: Path) -> FilesCopied:
    """Copy every stored file from ``store`` (``DATA/files``) into ``copy``, keeping the
    layout, each file synced to disk; files half-written by the bot at this moment are left
    out (their rows, if any, are committed after the rename, so after the database copy)."""
    copied = FilesCopied()
    copy.mkdir()
    if not store.is_dir():
        return copied
    for path in sorted(store.rglob("*")):
        if path.name.startswith(".incoming-") or path.is_symlink() or not path.is_file():
            continue
        relative = path.relative_to(store)
        target = copy / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = _copy_one(path, target)
        copied.count += 1
        copied.size += size
        copied.names.add(path.name)
        if _SHA256.fullmatch(path.name) and digest != path.name:
            copied.damaged.append(relative.as_posix())
    return copied


def _copy_one(source: Path, target: Path) -> tuple[str, int]:
    """Copy one file, returning the sha256 and the length of what was copied."""
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as src, target.open("xb") as out:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), size


def referenced_files(database: Path, tables: set[str]) -> set[str]:
    """The sha256 names of the stored files a SQLite database refers to: deliverables'
    versions, and the attachments of queued messages and broadcasts."""
    found: set[str] = set()
    connection = sqlite3.connect(database)
    try:
        if "versions" in tables:
            found.update(row[0] for row in connection.execute("SELECT sha256 FROM versions"))
        for table in ("outbox", "broadcasts"):
            if table not in tables:
                continue
            for (attachments,) in connection.execute(
                    f"SELECT attachments FROM {table} WHERE attachments != '[]'"):
                found.update(_attached(attachments))
    finally:
        connection.close()
    return found


def _attached(stored: str | None) -> set[str]:
    """The stored files a JSON list of attachments points at."""
    names: set[str] = set()
    for attachment in json.loads(stored or "[]"):
        name = Path(str(attachment.get("location", ""))).name
        if _SHA256.fullmatch(name):
            names.add(name)
    return names
