"""Shared test settings."""

from __future__ import annotations

import logging


def pytest_configure() -> None:
    """Quiet library loggers that are noisy at INFO."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
