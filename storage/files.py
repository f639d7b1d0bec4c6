"""Deliverables' bytes on disk, content-addressed: ``DATA/files/ab/cd/abcd…`` by sha256.

A file is written once per content, through a temporary file and a rename, so a crash never
leaves half a file under a final name; given names are kept as data only. A file is deleted
only when nothing refers to it any more (a forgotten member's export, say).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path, PurePath

_SHA256 = re.compile(r"[0-9a-f]{64}")


class DiskFileStore:
    """The ``FileStore`` port on a folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, location: str, limit: int) -> bytes:
        """The bytes an adapter left at a location, at most ``limit + 1`` of them."""
        with open(location, "rb") as handle:
            return handle.read(limit + 1)

    def keep(self, content: bytes) -> str:
        """Store bytes once per content and return their sha256."""
        digest = hashlib.sha256(content).hexdigest()
        target = Path(self.location(digest))
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    def location(self, sha256: str) -> str:
        """Where stored bytes are."""
        return str(self.root / "files" / sha256[:2] / sha256[2:4] / sha256)

    def discard(self, sha256: str) -> None:
        """Delete stored bytes; nothing happens when they are not there."""
        Path(self.location(sha256)).unlink(missing_ok=True)


def relocated(location: str | None, root: Path) -> str | None:
    """Where a file recorded at ``location`` is in the store under ``root``.

    Messages and broadcasts record their attachments' full paths. After a backup is restored
    into another data folder (or the folder moves), a path into the old store
    (``…/files/ab/cd/<sha256>``) names content this store keeps under the same hash, so it is
    read from here; any other location is left as it is.
    """
    if location is None:
        return None
    path = PurePath(location)
    name = path.name
    if not _SHA256.fullmatch(name) or path.parent.name != name[2:4] \
            or path.parent.parent.name != name[:2] or path.parent.parent.parent.name != "files":
        return location
    return DiskFileStore(root).location(name)
