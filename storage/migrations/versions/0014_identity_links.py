"""identity links: one-time codes that join a platform identity to a member, and wrong guesses

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "link_codes",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE",
                                name=op.f("fk_link_codes_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_link_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_link_codes_code")),
    )
    op.create_table(
        "link_guesses",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE",
                                name=op.f("fk_link_guesses_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_link_guesses")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("link_guesses")
    op.drop_table("link_codes")
