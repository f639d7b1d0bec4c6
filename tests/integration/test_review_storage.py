"""Reviews in SQL: open reviews counted as the fakes count them, through every change that
moves them; the note kept with a version; migration 0006 on existing data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from handlers.domain import DeliverableStatus, Language, Region, Role
from storage.database import Database
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _loads(uow: SqlUnitOfWork) -> dict[str, tuple[int, datetime | None]]:
    return {c.member.name: (c.open_reviews, c.last_assigned) for c in uow.reviews.candidates()}


def test_open_reviews_follow_assignments_approvals_and_removals(database: Database) -> None:
    with SqlUnitOfWork(database.engine) as uow:
        ana = uow.members.add("Ana", "console:ana", Language.PT, "UTC", NOW)
        rita = uow.members.add("Rita", "console:rita", Language.PT, "UTC", NOW)
        paul = uow.members.add("Paul", "console:paul", Language.EN, "UTC", NOW)
        for reviewer in (rita, paul):
            uow.members.grant(reviewer.id, Role.REVIEWER, None, NOW)
        team = uow.teams.add("Rios", "water", Region.OTHER, "CODE01", ana.id, True, NOW)
        tasks = [uow.tasks.add(team.id, f"Task {n}", "x", date(2026, 4, 1), NOW, None,
                               [ana.id], ana.id, NOW) for n in range(3)]
        made = [uow.deliverables.create(team.id, t.id, NOW) for t in tasks]
        assert _loads(uow) == {"Rita": (0, None), "Paul": (0, None)}
        later = NOW + timedelta(hours=1)
        for d in made:
            uow.reviews.assign(d.id, rita.id, NOW)
        uow.reviews.assign(made[0].id, paul.id, later)
        assert _loads(uow) == {"Rita": (3, NOW), "Paul": (1, later)}
        uow.deliverables.set_status(made[0].id, DeliverableStatus.APPROVED, NOW)
        assert _loads(uow) == {"Rita": (2, NOW), "Paul": (0, later)}
        uow.deliverables.set_status(made[0].id, DeliverableStatus.IN_REVIEW, NOW)  # never, exact
        assert _loads(uow) == {"Rita": (3, NOW), "Paul": (1, later)}
        uow.reviews.decline(made[1].id, rita.id)
        uow.reviews.decline(made[1].id, rita.id)  # twice: counted once
        assert _loads(uow) == {"Rita": (2, NOW), "Paul": (1, later)}
        uow.tasks.remove(tasks[2].id)  # its deliverable and assignment go with it
        assert _loads(uow) == {"Rita": (1, NOW), "Paul": (1, later)}
        uow.members.revoke(paul.id, Role.REVIEWER)
        assert set(_loads(uow)) == {"Rita"}
        uow.members.grant(paul.id, Role.REVIEWER, None, NOW)
        # A team whose last member left is deleted, its deliverables with it (a cascade no
        # repository sees): the counts stay exact.
        uow.teams.remove_member(team.id, ana.id)
        uow.teams.delete(team.id)
        assert _loads(uow) == {"Rita": (0, None), "Paul": (0, None)}
        uow.commit()
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT member_id, open_reviews FROM reviewer_loads "
                                 "ORDER BY member_id")).all() == [(rita.id, 0), (paul.id, 0)]


def test_a_version_keeps_the_teams_note_and_its_language(database: Database) -> None:
    with SqlUnitOfWork(database.engine) as uow:
        ana = uow.members.add("Ana", "console:ana", Language.PT, "UTC", NOW)
        team = uow.teams.add("Rios", "water", Region.OTHER, "CODE01", ana.id, True, NOW)
        task = uow.tasks.add(team.id, "Survey", "x", date(2026, 4, 1), NOW, None, [ana.id],
                             ana.id, NOW)
        made = uow.deliverables.create(team.id, task.id, NOW)
        first = uow.deliverables.add_version(made.id, "a" * 64, "v1.pdf", 10, "pdf", ana.id,
                                             NOW)
        second = uow.deliverables.add_version(made.id, "b" * 64, "v2.pdf", 10, "pdf", ana.id,
                                              NOW, "tabela 3", Language.PT)
        assert uow.deliverables.versions(made.id) == [first, second]
        assert uow.deliverables.version(second.id) == second
        assert (first.note, first.note_language) == ("", None)
        assert (second.note, second.note_language) == ("tabela 3", Language.PT)


def test_migration_0006_counts_the_open_reviews_already_there(database_url: str) -> None:
    db = Database(database_url)
    try:
        upgrade(db.engine, "0005")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO members (id, name, name_key, language, timezone, "
                "primary_identity, created_at) VALUES (1, 'Rita', 'rita', 'pt', 'UTC', "
                "'console:rita', :now)"), {"now": NOW})
            conn.execute(text("INSERT INTO teams (id, name, name_key, topic, region, join_code, "
                              "status, created_at) VALUES (1, 'Rios', 'rios', 'w', 'other', "
                              "'C1', 'approved', :now)"), {"now": NOW})
            for n, status in ((1, "in_review"), (2, "approved"), (3, "in_review")):
                conn.execute(text(
                    "INSERT INTO tasks (id, team_id, title, output, due_date, due_at, done, "
                    "created_at) VALUES (:n, 1, 't', 'o', '2026-04-01', :now, 0, :now)"),
                    {"n": n, "now": NOW})
                conn.execute(text(
                    "INSERT INTO deliverables (id, team_id, task_id, status, created_at) "
                    "VALUES (:n, 1, :n, :status, :now)"), {"n": n, "status": status, "now": NOW})
                conn.execute(text(
                    "INSERT INTO assignments (deliverable_id, reviewer_id, active, assigned_at) "
                    "VALUES (:n, 1, :active, :now)"), {"n": n, "active": int(n != 3), "now": NOW})
        upgrade(db.engine)
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT deliverable_id, open_review FROM assignments "
                                     "ORDER BY deliverable_id")).all()
        assert [tuple(r) for r in rows] == [(1, 1), (2, 0), (3, 0)]
        with SqlUnitOfWork(db.engine) as uow:
            uow.members.grant(1, Role.REVIEWER, None, NOW)
            assert [c.open_reviews for c in uow.reviews.candidates()] == [1]
            uow.tasks.remove(1)  # the triggers keep the count from here on
            assert [c.open_reviews for c in uow.reviews.candidates()] == [0]
    finally:
        db.close()
