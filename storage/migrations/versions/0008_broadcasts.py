"""broadcasts: drafts, audiences, schedules

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 08:00:00
"""

from __future__ import annotations

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
