"""Shared fixtures: the databases every storage and scenario test runs on.

Tests run on SQLite always, and on PostgreSQL too when ``PEERDESK_TEST_POSTGRES_URL`` names a
server (``scripts/test`` starts a throw-away one on 127.0.0.1 when PostgreSQL is installed):
each test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import fresh_postgres_database

POSTGRES = os.environ.get("PEERDESK_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES else ["sqlite"]


def pytest_configure() -> None:
    """Quiet library loggers that are noisy at INFO."""
    logging.getLogger("alembic").setLevel(logging.WARNING)


def pytest_report_header() -> str:
    """Say which databases the run covers."""
    return f"peerdesk databases: {', '.join(BACKENDS)}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'peerdesk.db'}"
        return
    with fresh_postgres_database(POSTGRES, "peerdesk_test") as url:
        yield url
