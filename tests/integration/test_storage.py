"""Storage on a real SQLite file: migrations match the models; repositories keep their promises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from handlers.domain import Language, PendingStep, Region, Role, TeamStatus
from handlers.messages import Attachment
from handlers.ports import OutboxRow
from storage.database import Database
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Base
from storage.outbox import OutboxQueue
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_migrations_create_exactly_the_models(database: Database) -> None:
    with database.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
    assert current_revision(database.engine) == head_revision(database.engine)
    tables = set(inspect(database.engine).get_table_names())
    assert {"members", "identities", "member_roles", "teams", "team_members", "help_requests",
            "help_messages", "conversations", "outbox"} <= tables


def test_sqlite_runs_in_wal_with_foreign_keys(database: Database) -> None:
    if database.engine.dialect.name != "sqlite":
        assert database.engine.dialect.name == "postgresql"
        return
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    durable = Database(database.url, sqlite_sync="FULL")
    try:
        with durable.engine.connect() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    finally:
        durable.close()


def test_upgrade_twice_is_harmless(database: Database) -> None:
    upgrade(database.engine)
    assert current_revision(database.engine) == head_revision(database.engine)


def test_members_identities_and_roles(database: Database) -> None:
    with SqlUnitOfWork(database.engine) as uow:
        ana = uow.members.add("Ana Souza", "telegram:1", Language.PT, "Africa/Maputo", NOW)
        uow.members.add("Anabela", "console:anabela", Language.PT, "UTC", NOW)
        assert uow.members.grant(ana.id, Role.REVIEWER, None, NOW)
        assert not uow.members.grant(ana.id, Role.REVIEWER, None, NOW)
        uow.commit()
    with SqlUnitOfWork(database.engine) as uow:
        found = uow.members.by_identity("telegram:1")
        assert found is not None and found.roles == {Role.REVIEWER}
        assert found.language == Language.PT and found.timezone == "Africa/Maputo"
        assert [m.name for m in uow.members.find_by_name("ana souza")] == ["Ana Souza"]
        assert [m.name for m in uow.members.find_by_name("ana")] == ["Ana Souza", "Anabela"]
        assert uow.members.find_by_name("an%") == []
        assert [m.id for m in uow.members.with_role(Role.REVIEWER)] == [ana.id]
        uow.members.use_identity(ana.id, "console:ana")
        assert uow.members.contacts([ana.id])[ana.id].identity == "console:ana"
        assert uow.members.revoke(ana.id, Role.REVIEWER)
        assert not uow.members.revoke(ana.id, Role.REVIEWER)


def test_nothing_is_stored_without_commit(database: Database) -> None:
    with SqlUnitOfWork(database.engine) as uow:
        uow.members.add("Ghost", "console:ghost", Language.EN, "UTC", NOW)
    with pytest.raises(RuntimeError), SqlUnitOfWork(database.engine) as uow:
        uow.members.add("Ghost", "console:ghost", Language.EN, "UTC", NOW)
        raise RuntimeError("crash in the middle of a use case")
    with SqlUnitOfWork(database.engine) as uow:
        assert uow.members.by_identity("console:ghost") is None


def test_teams_and_one_team_per_member(database: Database) -> None:
    with SqlUnitOfWork(database.engine) as uow:
        ana = uow.members.add("Ana", "console:ana", Language.PT, "UTC", NOW)
        bob = uow.members.add("Bob", "console:bob", Language.EN, "UTC", NOW)
        team = uow.teams.add("Open Budgets", "PB", Region.EAST_AFRICA, "ABC234", ana.id,
                             approved=False, now=NOW)
        uow.teams.add_member(team.id, bob.id, NOW + timedelta(minutes=1))
        uow.teams.set_leaders(team.id, ana.id, bob.id)
        uow.commit()
    with SqlUnitOfWork(database.engine) as uow:
        loaded = uow.teams.by_code("abc234")
        assert loaded is not None and loaded.status == TeamStatus.PENDING
        assert loaded.co_leader_id == bob.id and uow.teams.by_name("open budgets") == loaded
        assert [m.name for m in uow.teams.members(team.id)] == ["Ana", "Bob"]
        assert uow.teams.member_counts() == {team.id: 2}
        uow.teams.remove_member(team.id, bob.id)
        assert uow.teams.get(team.id).co_leader_id is None  # type: ignore[union-attr]
        uow.teams.decide(team.id, False, ana.id, NOW)
        assert uow.teams.by_name("Open Budgets") is None  # a rejected name is free again
        other = uow.teams.add("Open Budgets", "PB", Region.OTHER, "XYZ234", bob.id, True, NOW)
        assert other.status == TeamStatus.APPROVED
        driver = database.engine.dialect.loaded_dbapi
        with pytest.raises(driver.IntegrityError):
            uow.teams.add_member(other.id, ana.id, NOW)  # Ana is still in the first team


def test_help_requests_and_conversations(database: Database) -> None:
    with SqlUnitOfWork(database.engine) as uow:
        ana = uow.members.add("Ana", "console:ana", Language.PT, "UTC", NOW)
        carla = uow.members.add("Carla", "console:carla", Language.EN, "UTC", NOW)
        first = uow.help_requests.open(ana.id, None, "Onde?", Language.PT, NOW)
        second = uow.help_requests.open(ana.id, None, "Quando?", Language.PT,
                                        NOW + timedelta(hours=1))
        uow.help_requests.add_message(first.id, carla.id, "Here.", Language.EN, NOW)
        uow.help_requests.set_status(first.id, False, carla.id, NOW)
        uow.conversations.set(ana.id, PendingStep("newteam", "topic", {"name": "X"}), NOW)
        uow.conversations.set(ana.id, PendingStep("newteam", "region", {"name": "X"}), NOW)
        uow.commit()
    with SqlUnitOfWork(database.engine) as uow:
        assert [r.id for r in uow.help_requests.open_requests()] == [second.id]
        assert [r.id for r in uow.help_requests.asked_by(ana.id)] == [second.id, first.id]
        assert uow.help_requests.participants(first.id) == {carla.id}
        assert uow.help_requests.get(first.id).created_at == NOW  # type: ignore[union-attr]
        assert uow.conversations.get(ana.id) == PendingStep("newteam", "region", {"name": "X"})
        uow.conversations.clear(ana.id)
        assert uow.conversations.get(ana.id) is None


def test_outbox_is_queued_sent_and_traced_back(database: Database) -> None:
    with SqlUnitOfWork(database.engine) as uow:
        ana = uow.members.add("Ana", "console:ana", Language.PT, "UTC", NOW)
        rows = [OutboxRow(ana.id, "console:ana", None, Language.PT, f"m{i}", [[("OK", "ok")]],
                          "help_request", 7, NOW) for i in range(3)]
        rows[0] = rows[0]._replace(attachments=[Attachment("tor.pdf", 1200, "application/pdf",
                                                           "files/ab/abcd")])
        uow.outbox.add(rows)
        uow.commit()
    queue = OutboxQueue(database.engine, max_attempts=2)
    waiting = queue.waiting(["console"], NOW)
    assert [m.text for m in waiting] == ["m0", "m1", "m2"]
    assert waiting[0].buttons == [[("OK", "ok")]] and waiting[0].language == "pt"
    assert waiting[0].attachments == [Attachment("tor.pdf", 1200, "application/pdf",
                                                 "files/ab/abcd")]
    assert waiting[1].attachments == []
    assert queue.waiting(["telegram"], NOW) == []
    queue.mark_sent(waiting[0].id, "ana", "41", NOW)
    queue.mark_failed(waiting[1].id, "timeout", permanent=False, now=NOW)
    queue.mark_failed(waiting[2].id, "chat not found", permanent=True, now=NOW)
    assert queue.waiting(["console"], NOW) == []  # the failed one waits before a retry
    later = NOW + timedelta(seconds=5)
    assert [m.text for m in queue.waiting(["console"], later)] == ["m1"]
    queue.mark_failed(waiting[1].id, "timeout", permanent=False, now=later)
    assert queue.waiting(["console"], later + timedelta(days=1)) == []  # set aside at last
    with SqlUnitOfWork(database.engine) as uow:
        sent = uow.outbox.find_sent("console", "ana", "41")
        assert sent is not None and (sent.context, sent.context_id) == ("help_request", 7)
        assert uow.outbox.find_sent("console", "bob", "41") is None


def _revisions() -> list[str]:
    """Every revision the code knows, oldest first."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from storage.migrate import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()][::-1]


@pytest.mark.parametrize("start", _revisions()[:-1])
def test_every_earlier_revision_upgrades_to_the_models(database_url: str, start: str) -> None:
    db = Database(database_url)
    try:
        upgrade(db.engine, start)
        with SqlUnitOfWork(db.engine) as uow:  # data written under that schema survives
            uow.members.add("Ana", "console:ana", Language.PT, "UTC", NOW)
            uow.commit()
        upgrade(db.engine)
        with db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        with SqlUnitOfWork(db.engine) as uow:
            assert uow.members.by_identity("console:ana") is not None
    finally:
        db.close()


def test_upgrading_to_follow_ups_dates_activity_and_status_from_what_happened(
        database_url: str) -> None:
    db = Database(database_url)
    created, uploaded, asked, decided = (NOW - timedelta(days=d) for d in (60, 40, 10, 30))
    try:
        upgrade(db.engine, "0006")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO members (id, name, name_key, language, timezone, "
                "primary_identity, created_at) VALUES (1, 'Ana', 'ana', 'pt', 'UTC', "
                "'console:ana', :t)"), {"t": created})
            conn.execute(text(
                "INSERT INTO teams (id, name, name_key, topic, region, join_code, status, "
                "leader_id, created_by, created_at) VALUES (1, 'Rios', 'rios', 'x', 'west', "
                "'J1', 'approved', 1, 1, :t), (2, 'Kuna', 'kuna', 'x', 'west', 'J2', "
                "'approved', 1, 1, :t)"), {"t": created})
            conn.execute(text(
                "INSERT INTO tasks (id, team_id, title, output, due_date, due_at, created_at) "
                "VALUES (1, 1, 'T', 'x', '2026-01-01', :t, :t)"), {"t": created})
            conn.execute(text(
                "INSERT INTO deliverables (id, team_id, task_id, status, created_at) "
                "VALUES (1, 1, 1, 'changes_requested', :t)"), {"t": uploaded})
            conn.execute(text(
                "INSERT INTO versions (id, deliverable_id, number, sha256, filename, size, "
                "kind, submitted_by, submitted_at) VALUES (1, 1, 1, 'ab', 'v1.pdf', 3, 'pdf', "
                "1, :t)"), {"t": uploaded})
            conn.execute(text(
                "INSERT INTO review_rounds (version_id, reviewer_id, number, decision, "
                "opened_at, decided_at) VALUES (1, 1, 1, 'changes', :o, :d)"),
                {"o": uploaded, "d": decided})
            conn.execute(text(
                "INSERT INTO help_requests (asker_id, team_id, text, language, status, "
                "created_at) VALUES (1, 2, 'q', 'pt', 'open', :t)"), {"t": asked})
        upgrade(db.engine)
        with SqlUnitOfWork(db.engine) as uow:
            quiet = uow.followups.quiet_teams(NOW + timedelta(days=1), NOW)
            activity = {q.team: q.last_activity_at for q in quiet}
            waiting = uow.followups.waiting_changes(NOW, NOW)
        assert activity == {"Rios": uploaded, "Kuna": asked}
        assert [w.since for w in waiting] == [decided]
    finally:
        db.close()
