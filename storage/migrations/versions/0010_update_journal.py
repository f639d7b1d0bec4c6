"""update journal: each platform update recorded before it is handled, marked when handled

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "platform_updates",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("platform", "update_id", name=op.f("pk_platform_updates")),
    )
    op.create_index("ix_platform_updates_unfinished", "platform_updates",
                    ["platform", "update_id"], unique=False,
                    sqlite_where=sa.text("done_at IS NULL"),
                    postgresql_where=sa.text("done_at IS NULL"))


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_platform_updates_unfinished", table_name="platform_updates")
    op.drop_table("platform_updates")
