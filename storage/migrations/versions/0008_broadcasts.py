"""broadcasts: what was broadcast to whom and when, the readers of scheduled ones until their
moment, and an outbox index to count a broadcast's messages

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("sender_name", sa.String(length=80), nullable=False),
        sa.Column("draft", sa.String(length=40), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("attachments", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("schedule", sa.String(length=8), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("local_time", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("reported_percent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["sender_id"], ["members.id"],
                                name=op.f("fk_broadcasts_sender_id_members"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
        sa.UniqueConstraint("draft", name=op.f("uq_broadcasts_draft")),
    )
    op.create_index("ix_broadcasts_sending", "broadcasts", ["id"], unique=False,
                    sqlite_where=sa.text("status = 'sending'"),
                    postgresql_where=sa.text("status = 'sending'"))
    op.create_table(
        "broadcast_waits",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["broadcast_id"], ["broadcasts.id"],
                                name=op.f("fk_broadcast_waits_broadcast_id_broadcasts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name=op.f("fk_broadcast_waits_member_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("broadcast_id", "member_id", name=op.f("pk_broadcast_waits")),
    )
    op.create_index(op.f("ix_broadcast_waits_due_at"), "broadcast_waits", ["due_at"],
                    unique=False)
    op.create_index("ix_outbox_context", "outbox", ["context", "context_id", "status"],
                    unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_outbox_context", table_name="outbox")
    op.drop_index(op.f("ix_broadcast_waits_due_at"), table_name="broadcast_waits")
    op.drop_table("broadcast_waits")
    op.drop_index("ix_broadcasts_sending", table_name="broadcasts")
    op.drop_table("broadcasts")
