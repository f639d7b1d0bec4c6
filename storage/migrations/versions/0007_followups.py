"""follow-ups: what was nagged and snoozes, teams' activity and pauses, when a deliverable's
status and a request's first answer came, indexes for what is due, and the scheduler's lock

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "nags",
        sa.Column("rule", sa.String(length=12), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sent_on", sa.String(length=10), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name=op.f("fk_nags_member_id_members"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("rule", "item_id", "member_id", name=op.f("pk_nags")),
    )
    op.create_table(
        "scheduler_lock",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_lock")),
    )
    op.add_column("teams", sa.Column("last_activity_at", sa.DateTime(timezone=True),
                                     nullable=True))
    op.add_column("teams", sa.Column("nags_paused_until", sa.DateTime(timezone=True),
                                     nullable=True))
    # A team's last activity: its latest upload or question, else its creation (not simply its
    # creation, or every team older than the inactivity period would be nagged at once).
    latest = "GREATEST" if op.get_bind().dialect.name == "postgresql" else "MAX"
    op.execute(
        f"UPDATE teams SET last_activity_at = {latest}(created_at, "
        "COALESCE((SELECT MAX(v.submitted_at) FROM versions v JOIN deliverables d "
        "ON d.id = v.deliverable_id WHERE d.team_id = teams.id), created_at), "
        "COALESCE((SELECT MAX(h.created_at) FROM help_requests h "
        "WHERE h.team_id = teams.id), created_at))")
    op.create_index(op.f("ix_teams_last_activity_at"), "teams", ["last_activity_at"],
                    unique=False)
    op.add_column("help_requests", sa.Column("answered_at", sa.DateTime(timezone=True),
                                             nullable=True))
    op.add_column("help_requests", sa.Column("urgent", sa.Integer(), server_default="0",
                                             nullable=False))
    op.execute("UPDATE help_requests SET answered_at = (SELECT MIN(m.created_at) "
               "FROM help_messages m WHERE m.request_id = help_requests.id "
               "AND m.author_id <> help_requests.asker_id)")
    op.create_index("ix_help_requests_unanswered", "help_requests",
                    ["status", "answered_at", "created_at"], unique=False)
    op.add_column("deliverables", sa.Column("status_since", sa.DateTime(timezone=True),
                                            nullable=True))
    # Since when each deliverable has its status: the latest decision for "changes requested",
    # the latest version otherwise.
    op.execute(
        "UPDATE deliverables SET status_since = CASE WHEN status = 'changes_requested' "
        "THEN COALESCE((SELECT MAX(r.decided_at) FROM review_rounds r JOIN versions v "
        "ON v.id = r.version_id WHERE v.deliverable_id = deliverables.id), created_at) "
        "ELSE COALESCE((SELECT MAX(v.submitted_at) FROM versions v "
        "WHERE v.deliverable_id = deliverables.id), created_at) END")
    op.create_index("ix_deliverables_status_since", "deliverables", ["status", "status_since"],
                    unique=False)
    op.create_index("ix_review_rounds_open", "review_rounds", ["decision", "opened_at"],
                    unique=False)
    op.create_index("ix_tasks_open_due", "tasks", ["done", "due_at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_tasks_open_due", table_name="tasks")
    op.drop_index("ix_review_rounds_open", table_name="review_rounds")
    op.drop_index("ix_deliverables_status_since", table_name="deliverables")
    with op.batch_alter_table("deliverables") as batch:
        batch.drop_column("status_since")
    op.drop_index("ix_help_requests_unanswered", table_name="help_requests")
    with op.batch_alter_table("help_requests") as batch:
        batch.drop_column("urgent")
        batch.drop_column("answered_at")
    op.drop_index(op.f("ix_teams_last_activity_at"), table_name="teams")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("nags_paused_until")
        batch.drop_column("last_activity_at")
    op.drop_table("scheduler_lock")
    op.drop_table("nags")
