"""reviews: the team's note kept with each version; each reviewer's open reviews kept by
triggers instead of counted

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# ``reviewer_loads.open_reviews`` is the sum of the reviewer's ``assignments.open_review``:
# every insert, change and deletion of an assignment (cascades included) adjusts it.
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER tr_assignments_load_insert AFTER INSERT ON assignments
    BEGIN
        INSERT OR IGNORE INTO reviewer_loads (member_id, open_reviews)
            VALUES (new.reviewer_id, 0);
        UPDATE reviewer_loads SET open_reviews = open_reviews + new.open_review
            WHERE member_id = new.reviewer_id;
    END""",
    """CREATE TRIGGER tr_assignments_load_update
    AFTER UPDATE OF open_review, reviewer_id ON assignments
    BEGIN
        UPDATE reviewer_loads SET open_reviews = open_reviews - old.open_review
            WHERE member_id = old.reviewer_id;
        INSERT OR IGNORE INTO reviewer_loads (member_id, open_reviews)
            VALUES (new.reviewer_id, 0);
        UPDATE reviewer_loads SET open_reviews = open_reviews + new.open_review
            WHERE member_id = new.reviewer_id;
    END""",
    """CREATE TRIGGER tr_assignments_load_delete AFTER DELETE ON assignments
    BEGIN
        UPDATE reviewer_loads SET open_reviews = open_reviews - old.open_review
            WHERE member_id = old.reviewer_id;
    END""",
]
_POSTGRESQL_TRIGGERS = [
    """CREATE FUNCTION assignments_load() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE reviewer_loads SET open_reviews = open_reviews - OLD.open_review
                WHERE member_id = OLD.reviewer_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO reviewer_loads (member_id, open_reviews)
                VALUES (NEW.reviewer_id, NEW.open_review)
                ON CONFLICT (member_id)
                DO UPDATE SET open_reviews = reviewer_loads.open_reviews + EXCLUDED.open_reviews;
        END IF;
        RETURN NULL;
    END
    $$""",
    """CREATE TRIGGER tr_assignments_load
    AFTER INSERT OR UPDATE OF open_review, reviewer_id OR DELETE ON assignments
    FOR EACH ROW EXECUTE FUNCTION assignments_load()""",
]


def upgrade() -> None:
    """Apply this revision."""
    op.add_column("versions", sa.Column("note", sa.Text(), nullable=True))
    op.add_column("versions", sa.Column("note_language", sa.String(length=2), nullable=True))
    op.add_column("assignments", sa.Column("open_review", sa.Integer(), server_default="0",
                                           nullable=False))
    op.execute("UPDATE assignments SET open_review = 1 WHERE active = 1 AND deliverable_id IN "
               "(SELECT id FROM deliverables WHERE status <> 'approved')")
    op.drop_index(op.f("ix_assignments_reviewer_id"), table_name="assignments")
    op.create_index("ix_assignments_recent", "assignments", ["reviewer_id", "assigned_at"],
                    unique=False)
    op.create_table(
        "reviewer_loads",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("open_reviews", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"],
                                name=op.f("fk_reviewer_loads_member_id_members"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_reviewer_loads")),
    )
    op.execute("INSERT INTO reviewer_loads (member_id, open_reviews) "
               "SELECT reviewer_id, SUM(open_review) FROM assignments GROUP BY reviewer_id")
    triggers = _POSTGRESQL_TRIGGERS if op.get_bind().dialect.name == "postgresql" \
        else _SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER tr_assignments_load ON assignments")
        op.execute("DROP FUNCTION assignments_load()")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER tr_assignments_load_{name}")
    op.drop_table("reviewer_loads")
    op.drop_index("ix_assignments_recent", table_name="assignments")
    op.create_index(op.f("ix_assignments_reviewer_id"), "assignments", ["reviewer_id"],
                    unique=False)
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("open_review")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("note_language")
        batch.drop_column("note")
