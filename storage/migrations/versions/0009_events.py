"""events: invitations, RSVPs, reminders

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("title_language", sa.String(length=2), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("agenda_language", sa.String(length=2), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("organiser_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("sequence", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organiser_id"], ["members.id"], ondelete="SET NULL",
                                name=op.f("fk_events_organiser_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_ends_at"), "events", ["ends_at"], unique=False)
    op.create_table(
        "event_teams",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_event_teams_event_id_events")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE",
                                name=op.f("fk_event_teams_team_id_teams")),
        sa.PrimaryKeyConstraint("event_id", "team_id", name=op.f("pk_event_teams")),
    )
    op.create_table(
        "event_invitations",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=5), nullable=True),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_event_invitations_event_id_events")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE",
                                name=op.f("fk_event_invitations_member_id_members")),
        sa.PrimaryKeyConstraint("event_id", "member_id", name=op.f("pk_event_invitations")),
    )
    op.create_index("ix_event_invitations_member", "event_invitations",
                    ["member_id", "event_id"], unique=False)
    op.create_table(
        "event_reminders",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_event_reminders_event_id_events")),
        sa.PrimaryKeyConstraint("event_id", "hours", name=op.f("pk_event_reminders")),
    )
    op.create_index("ix_event_reminders_due", "event_reminders", ["due_at"], unique=False,
                    sqlite_where=sa.text("done_at IS NULL"),
                    postgresql_where=sa.text("done_at IS NULL"))


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_event_reminders_due", table_name="event_reminders")
    op.drop_table("event_reminders")
    op.drop_index("ix_event_invitations_member", table_name="event_invitations")
    op.drop_table("event_invitations")
    op.drop_table("event_teams")
    op.drop_index(op.f("ix_events_ends_at"), table_name="events")
    op.drop_table("events")
