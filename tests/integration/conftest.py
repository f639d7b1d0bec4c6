"""Fixtures for the integration tests: a migrated database of each kind, an APy server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import httpx
import pytest

from storage.database import Database
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated, empty database (SQLite, and PostgreSQL when available)."""
    db = Database(database_url)
    upgrade(db.engine)
    yield db
    db.close()


def free_port() -> int:
    """A TCP port nobody listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def apy_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An APy server started with scripts/apy on a free port, killed at the end."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("apy") / "apy.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen([str(ROOT / "scripts" / "apy"), str(port)], stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"scripts/apy exited with {server.returncode}:\n"
                            f"{log_path.read_text(errors='replace')}")
            try:
                if httpx.get(f"{url}/listPairs", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"APy did not answer in 60 s:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        yield url
    finally:
        with suppress(ProcessLookupError):  # the server and the pipelines it started
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
