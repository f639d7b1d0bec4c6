"""events: invitations, RSVPs, reminders

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 08:00:00
"""

from __future__ import annotations

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
