"""``peerdesk backup`` as an operator runs it: a live SQLite database and its files, copied while
another process writes, restored into a fresh data folder and found whole; and its refusals."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from bot.cli import main
from handlers.domain import Language, Region, Role, Version
from handlers.messages import Attachment
from handlers.ports import OutboxRow
from storage.backup import Backup
from storage.database import Database
from storage.files import DiskFileStore
from storage.migrate import head_revision, upgrade
from storage.outbox import OutboxQueue
from storage.uow import SqlUnitOfWork
from tests.conftest import POSTGRES
from tests.databases import fresh_postgres_database
from tests.integration.test_cli import peerdesk

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TOR = b"%PDF-1.4 terms of reference, Maputo\n" + bytes(range(256)) * 40
NO_POSTGRES = {"PEERDESK_DATABASE_URL": ""}
Refuse = Callable[..., str]  # (config, target, database URL = "") -> the error line


@dataclass(frozen=True)
class Live:
    """A running help desk's data folder: its config, database and file store."""

    config: Path
    data: Path
    database: Database
    files: DiskFileStore
    tor_sha: str
    deliverable_id: int
    leader_id: int


def seeded(database: Database, data: Path, config: Path) -> Live:
    """Members, a team, a task, a deliverable with its file and an outbox row, written through
    the project's own storage into a migrated database and the file store in ``data``."""
    upgrade(database.engine)
    files = DiskFileStore(data)
    sha = files.keep(TOR)
    with SqlUnitOfWork(database.engine) as uow:
        ana = uow.members.add("Ana Souza", "console:ana", Language.PT, "Africa/Maputo", NOW)
        bruno = uow.members.add("Bruno Díaz", "console:bruno", Language.ES, "America/Lima", NOW)
        carla = uow.members.add("Carla", "console:carla", Language.FR, "Africa/Dakar", NOW)
        uow.members.grant(carla.id, Role.COORDINATOR, None, NOW)
        team = uow.teams.add("Orçamento Maputo", "participatory budgeting", Region.SOUTHERN_AFRICA,
                             "MAP123", ana.id, True, NOW)
        uow.teams.add_member(team.id, bruno.id, NOW)
        task = uow.tasks.add(team.id, "Baseline study", "report", date(2026, 4, 1), NOW, None,
                             [ana.id], carla.id, NOW)
        deliverable = uow.deliverables.create(team.id, task.id, NOW)
        uow.deliverables.add_version(deliverable.id, sha, "tor.pdf", len(TOR), "pdf",
                                     ana.id, NOW)
        uow.outbox.add([OutboxRow(carla.id, "console:carla", None, Language.FR, "new version",
                                  [], "deliverable", deliverable.id, NOW,
                                  [Attachment("tor.pdf", len(TOR), "application/pdf",
                                              files.location(sha))])])
        uow.commit()
    return Live(config, data, database, files, sha, deliverable.id, ana.id)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    """A SQLite data folder with the seeded data, its config naming it."""
    config = tmp_path / "config.toml"
    config.write_text('[storage]\ndata_dir = "data"\n')
    database = Database(f"sqlite:///{tmp_path / 'data' / 'peerdesk.db'}")
    # Everything stays in the write-ahead log, as the latest commits of a running bot do: a
    # copy of the database file alone would find nothing.
    event.listen(database.engine, "connect", lambda connection, _record: connection.execute(
        "PRAGMA wal_autocheckpoint=0"))
    yield seeded(database, tmp_path / "data", config)
    database.close()


class Writer:
    """Another connection that keeps committing while the backup runs: each transaction adds a
    member, an outbox row for them and a new version of the deliverable with its own file."""

    def __init__(self, live: Live) -> None:
        self.live = live
        self.committed = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._write)

    def _write(self) -> None:
        while not self.stop.is_set():
            i = self.committed
            content = f"draft {i}".encode()
            sha = self.live.files.keep(content)  # bytes first, as the bot does
            with SqlUnitOfWork(self.live.database.engine) as uow:
                member = uow.members.add(f"Writer {i}", f"console:w{i}", Language.EN, "UTC", NOW)
                uow.outbox.add([OutboxRow(member.id, f"console:w{i}", None, Language.EN,
                                          f"writer {i}", [], None, None, NOW)])
                uow.deliverables.add_version(self.live.deliverable_id, sha, f"draft-{i}.txt",
                                             len(content), "txt", self.live.leader_id, NOW)
                uow.commit()
            self.committed += 1
            self.stop.wait(0.005)

    def wait_for(self, count: int) -> None:
        """Block until this many transactions are committed."""
        while self.committed < count and self.thread.is_alive():
            self.stop.wait(0.01)
        assert self.committed >= count


def scalar(database: Database, sql: str) -> int:
    with database.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_a_backup_taken_during_writes_restores_whole(live: Live, tmp_path: Path) -> None:
    writer = Writer(live)
    writer.thread.start()
    try:
        writer.wait_for(20)
        before = writer.committed
        result = peerdesk("--config", str(live.config), "backup", str(tmp_path / "backup"),
                          env=NO_POSTGRES)
        writer.wait_for(writer.committed + 5)  # still writing after the copy
    finally:
        writer.stop.set()
        writer.thread.join()
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert f"backup written to {tmp_path / 'backup'}" in result.stdout
    backup = tmp_path / "backup"
    assert sorted(p.name for p in backup.iterdir()) == ["files", "manifest.json", "peerdesk.db"]
    assert [p.name for p in tmp_path.iterdir() if ".partial-" in p.name] == []
    standalone = sqlite3.connect(backup / "peerdesk.db")
    assert standalone.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    standalone.close()

    # Restore as the README says: the database file and the files folder into a data folder.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy2(backup / "peerdesk.db", restored / "peerdesk.db")
    shutil.copytree(backup / "files", restored / "files")
    config = tmp_path / "restored.toml"
    config.write_text('[storage]\ndata_dir = "restored"\n')
    upgraded = peerdesk("--config", str(config), "db", "upgrade", env=NO_POSTGRES)
    assert upgraded.returncode == 0, upgraded.stderr

    database = Database(f"sqlite:///{restored / 'peerdesk.db'}")
    try:
        found_whole(database, DiskFileStore(restored), live, before, writer.committed)
        manifest = json.loads((backup / "manifest.json").read_text())
        assert manifest["database"]["schema_revision"] == head_revision(database.engine)
        assert manifest["database"]["rows"]["members"] == scalar(
            database, "SELECT COUNT(*) FROM members")
        stored = [p for p in (restored / "files").rglob("*") if p.is_file()]
        assert manifest["files"]["count"] == len(stored)
        assert manifest["files"]["bytes"] == sum(p.stat().st_size for p in stored)
        assert manifest["files"]["missing"] == manifest["files"]["damaged"] == []
    finally:
        database.close()


def found_seeded(database: Database, files: DiskFileStore, live: Live) -> list[Version]:
    """The seeded data is all there, the deliverable's file too; its versions."""
    with SqlUnitOfWork(database.engine) as uow:
        ana = uow.members.by_identity("console:ana")
        carla = uow.members.by_identity("console:carla")
        assert ana is not None and ana.timezone == "Africa/Maputo"
        assert carla is not None and carla.roles == {Role.COORDINATOR}
        team = uow.teams.by_name("Orçamento Maputo")
        assert team is not None and team.join_code == "MAP123"
        assert sorted(m.name for m in uow.teams.members(team.id)) == ["Ana Souza", "Bruno Díaz"]
        versions = uow.deliverables.versions(live.deliverable_id)
    assert versions[0].filename == "tor.pdf" and versions[0].sha256 == live.tor_sha
    assert Path(files.location(live.tor_sha)).read_bytes() == TOR
    waiting = OutboxQueue(database.engine, files_root=files.root).waiting(["console"], NOW)
    assert waiting[0].text == "new version" and waiting[0].identity == "console:carla"
    # Recorded under the live data folder, sent from the one it was restored into.
    assert [a.location for a in waiting[0].attachments] == [files.location(live.tor_sha)]
    assert Path(waiting[0].attachments[0].location or "").read_bytes() == TOR
    return versions


def found_whole(database: Database, files: DiskFileStore, live: Live, before: int,
                committed: int) -> None:
    """The seeded data is all there, and the writer's transactions are there whole or not at
    all, each with its file."""
    versions = found_seeded(database, files, live)
    for version in versions:
        content = Path(files.location(version.sha256)).read_bytes()
        assert hashlib.sha256(content).hexdigest() == version.sha256
    writers = scalar(database, "SELECT COUNT(*) FROM members WHERE name LIKE 'Writer %'")
    assert before <= writers < committed  # taken while the writer ran, not before nor after
    assert scalar(database, "SELECT COUNT(*) FROM outbox WHERE text LIKE 'writer %'") == writers
    assert len(versions) == writers + 1


def test_a_long_list_of_problems_is_cut_short() -> None:
    missing = [f"{i:064x}" for i in range(25)]
    made = Backup(Path("b"), "peerdesk.db", "0016", {}, 0, 0, missing, [])
    assert made.problems()[-1] == "and 15 more: see manifest.json"
    assert len(made.problems()) == 11 and len(made.problems(limit=30)) == 25


@pytest.fixture
def refused(monkeypatch: pytest.MonkeyPatch) -> Refuse:
    """Run a backup that must be refused (through the command line's entry, in this process)
    and return its one line of error."""

    def run(config: Path, target: Path, url: str = "") -> str:
        monkeypatch.setenv("PEERDESK_DATABASE_URL", url)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["--config", str(config), "backup", str(target)])
        assert code == 2, out.getvalue() + err.getvalue()
        assert out.getvalue() == "" and err.getvalue().count("\n") == 1
        if target.parent.is_dir():
            assert [p.name for p in target.parent.iterdir() if ".partial-" in p.name] == []
        return err.getvalue().strip()

    return run


def test_an_existing_backup_is_never_overwritten(
        live: Live, tmp_path: Path, refused: Refuse) -> None:
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "peerdesk.db").write_bytes(b"last week's copy")
    assert refused(live.config, earlier) == \
        f"peerdesk: backup: {earlier} exists and is not empty; give a new folder"
    assert [p.name for p in earlier.iterdir()] == ["peerdesk.db"]
    assert (earlier / "peerdesk.db").read_bytes() == b"last week's copy"
    assert refused(live.config, earlier / "peerdesk.db").endswith("exists and is not a folder; "
                                                                  "give a new folder")


def test_a_place_that_cannot_be_written_is_refused(
        live: Live, tmp_path: Path, refused: Refuse) -> None:
    assert refused(live.config, tmp_path / "no" / "backup") == \
        f"peerdesk: backup: {tmp_path / 'no'} is not an existing folder"
    assert refused(live.config, live.config / "backup").endswith("is not an existing folder")
    assert refused(live.config, live.data / "files" / "backup").endswith(
        "is inside the file store " f"{live.data / 'files'}; choose another place")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in read-only folders")
def test_a_read_only_folder_is_refused(live: Live, tmp_path: Path, refused: Refuse) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert refused(live.config, locked / "backup") == \
            f"peerdesk: backup: cannot write in {locked}: Permission denied"
    finally:
        locked.chmod(0o700)


def test_nothing_to_back_up_before_the_database_exists(tmp_path: Path, refused: Refuse) -> None:
    (tmp_path / "config.toml").write_text('[storage]\ndata_dir = "data"\n')
    assert refused(tmp_path / "config.toml", tmp_path / "backup") == (
        f"peerdesk: backup: no database at {tmp_path / 'data' / 'peerdesk.db'}; "
        "nothing to back up")


def test_postgresql_is_refused_with_the_way_to_do_it(tmp_path: Path, refused: Refuse) -> None:
    (tmp_path / "config.toml").write_text('[storage]\ndata_dir = "data"\n')
    url = "postgresql+psycopg://peerdesk:s3cret@127.0.0.1:1/peerdesk"  # never connected to
    line = refused(tmp_path / "config.toml", tmp_path / "backup", url)
    assert line == ("peerdesk: backup: the database is PostgreSQL, which peerdesk backup does "
                    f"not copy: run pg_dump -Fc, then copy {tmp_path / 'data' / 'files'} "
                    "(README.md, section Backups)")
    assert not (tmp_path / "backup").exists()


@pytest.mark.skipif(not POSTGRES or not shutil.which("pg_dump"),
                    reason="needs PEERDESK_TEST_POSTGRES_URL and pg_dump")
def test_postgresql_backs_up_and_restores_as_the_readme_says(
        tmp_path: Path, refused: Refuse) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[storage]\ndata_dir = "data"\n')
    backup = tmp_path / "backup"
    with fresh_postgres_database(POSTGRES, "peerdesk_backup") as url, \
            fresh_postgres_database(POSTGRES, "peerdesk_restored") as restored_url:
        database = Database(url)
        try:
            live = seeded(database, tmp_path / "data", config)
            assert "run pg_dump -Fc, then copy" in refused(config, backup, url)
            backup.mkdir()
            subprocess.run(["pg_dump", "-Fc", "-f", str(backup / "peerdesk.dump"), libpq(url)],
                           check=True, capture_output=True)
            shutil.copytree(tmp_path / "data" / "files", backup / "files")  # after the dump
        finally:
            database.close()
        subprocess.run(["pg_restore", "--no-owner", "-d", libpq(restored_url),
                        str(backup / "peerdesk.dump")], check=True, capture_output=True)
        shutil.copytree(backup / "files", tmp_path / "restored" / "files")
        (tmp_path / "restored.toml").write_text('[storage]\ndata_dir = "restored"\n')
        upgraded = peerdesk("--config", str(tmp_path / "restored.toml"), "db", "upgrade",
                            env={"PEERDESK_DATABASE_URL": restored_url})
        assert upgraded.returncode == 0, upgraded.stderr
        restored = Database(restored_url)
        try:
            found_seeded(restored, DiskFileStore(tmp_path / "restored"), live)
        finally:
            restored.close()


def libpq(url: str) -> str:
    """A SQLAlchemy URL as PostgreSQL's own tools take it (no ``+psycopg``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
