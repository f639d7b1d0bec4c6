"""privacy: the audit log, and the author of the words an outbox message quotes

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=80), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("subject_name", sa.String(length=80), nullable=True),
        sa.Column("other_id", sa.Integer(), nullable=True),
        sa.Column("other_name", sa.String(length=80), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["members.id"], ondelete="SET NULL",
                                name=op.f("fk_audit_log_actor_id_members")),
        sa.ForeignKeyConstraint(["subject_id"], ["members.id"], ondelete="SET NULL",
                                name=op.f("fk_audit_log_subject_id_members")),
        sa.ForeignKeyConstraint(["other_id"], ["members.id"], ondelete="SET NULL",
                                name=op.f("fk_audit_log_other_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    # Added in place (ALTER TABLE … ADD COLUMN, the constraint inline), not by copying the
    # outbox: SQLite would drop the old table with its foreign keys on, and the dead letters
    # that refer to it would go with it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE outbox ADD COLUMN author_id INTEGER "
                   "CONSTRAINT fk_outbox_author_id_members REFERENCES members (id)")
    else:
        op.add_column("outbox", sa.Column("author_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_outbox_author_id_members"), "outbox", "members",
                              ["author_id"], ["id"])
    op.create_index("ix_outbox_author", "outbox", ["author_id"], unique=False,
                    sqlite_where=sa.text("author_id IS NOT NULL"),
                    postgresql_where=sa.text("author_id IS NOT NULL"))


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_outbox_author", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(op.f("fk_outbox_author_id_members"), type_="foreignkey")
        batch.drop_column("author_id")
    op.drop_table("audit_log")
