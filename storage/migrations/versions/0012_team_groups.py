"""team groups: a team's group chat on a platform, linked by its leader

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "team_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE",
                                name=op.f("fk_team_groups_team_id_teams")),
        sa.ForeignKeyConstraint(["requested_by"], ["members.id"], ondelete="CASCADE",
                                name=op.f("fk_team_groups_requested_by_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_groups")),
        sa.UniqueConstraint("platform", "chat_id", name=op.f("uq_team_groups_platform")),
        sqlite_autoincrement=True,  # a deleted request's id is never given to another
    )
    op.create_index(op.f("ix_team_groups_team_id"), "team_groups", ["team_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_team_groups_team_id"), table_name="team_groups")
    op.drop_table("team_groups")
