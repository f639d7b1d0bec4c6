"""delivery: identities the bot cannot reach, and dead letters

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "unreachable_identities",
        sa.Column("identity", sa.String(length=200), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE",
                                name=op.f("fk_unreachable_identities_member_id_members")),
        sa.PrimaryKeyConstraint("identity", name=op.f("pk_unreachable_identities")),
    )
    op.create_index(op.f("ix_unreachable_identities_member_id"), "unreachable_identities",
                    ["member_id"], unique=False)
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], ondelete="CASCADE",
                                name=op.f("fk_dead_letters_outbox_id_outbox")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE",
                                name=op.f("fk_dead_letters_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
        sa.UniqueConstraint("outbox_id", name=op.f("uq_dead_letters_outbox_id")),
    )
    op.create_index(op.f("ix_dead_letters_member_id"), "dead_letters", ["member_id"],
                    unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_dead_letters_member_id"), table_name="dead_letters")
    op.drop_table("dead_letters")
    op.drop_index(op.f("ix_unreachable_identities_member_id"),
                  table_name="unreachable_identities")
    op.drop_table("unreachable_identities")
