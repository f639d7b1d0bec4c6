"""Fixtures for the integration tests: a migrated database of each kind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.database import Database
from storage.migrate import upgrade


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated, empty database (SQLite, and PostgreSQL when available)."""
    db = Database(database_url)
    upgrade(db.engine)
    yield db
    db.close()
