"""translation: cache, outbox pieces and retries, members' translation and team-chat settings

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "translations",
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=2), nullable=False),
        sa.Column("target", sa.String(length=2), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("text_hash", "source", "target", name=op.f("pk_translations")),
    )
    op.add_column("members", sa.Column("auto_translate", sa.Integer(), server_default="1",
                                       nullable=False))
    op.add_column("members", sa.Column("team_chat", sa.Integer(), server_default="0",
                                       nullable=False))
    with op.batch_alter_table("outbox") as batch:  # room for "translating"
        batch.alter_column("status", existing_type=sa.String(length=10),
                           type_=sa.String(length=12), existing_nullable=False,
                           existing_server_default="pending")
    op.add_column("outbox", sa.Column("template", sa.Text(), nullable=True))
    op.add_column("outbox", sa.Column("pieces", sa.JSON(), nullable=True))
    op.add_column("outbox", sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("retries", sa.Integer(), server_default="0",
                                      nullable=False))
    op.create_index(op.f("ix_outbox_retry_at"), "outbox", ["retry_at"], unique=False,
                    sqlite_where=sa.text("retry_at IS NOT NULL"),
                    postgresql_where=sa.text("retry_at IS NOT NULL"))


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_outbox_retry_at"), table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("status", existing_type=sa.String(length=12),
                           type_=sa.String(length=10), existing_nullable=False,
                           existing_server_default="pending")
        batch.drop_column("retries")
        batch.drop_column("retry_at")
        batch.drop_column("pieces")
        batch.drop_column("template")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("team_chat")
        batch.drop_column("auto_translate")
    op.drop_table("translations")
