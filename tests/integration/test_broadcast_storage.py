"""The broadcasts' repository on SQLite and PostgreSQL: a draft stored once, the schedule
released once, delivery figures from the outbox, cancelling; and a 10,000-reader fan-out
written in a handful of statements."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handlers.audience import Audience, Recipient
from handlers.broadcast_delivery import fan_out
from handlers.broadcast_ports import Figures, NewBroadcast, Status, When
from handlers.catalogue import Catalogue
from handlers.delivery import queue_messages
from handlers.domain import Contact, Language
from handlers.messages import Attachment, Outbound
from storage.database import Database
from storage.sql import Sql
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FILE = Attachment("programme.pdf", 18, "application/pdf", "/data/files/ab/cd/abcd")


def new(sender: int, draft: str = "t1", *, when: When = When.AT, readers: int = 3,
        send_at: datetime | None = NOW + timedelta(hours=1)) -> NewBroadcast:
    return NewBroadcast(sender, "Carla", draft, Audience().to_json(), "Hello all", Language.EN,
                        (FILE,), when, send_at, "2026-03-02 14:00" if when == When.LOCAL
                        else None, readers)


@pytest.fixture
def members(database: Database) -> Iterator[list[int]]:
    """Four members: the sender first."""
    with SqlUnitOfWork(database.engine) as uow:
        ids = [uow.members.add(name, f"console:{name.lower()}", language, zone, NOW).id
               for name, language, zone in (
                   ("Carla", Language.EN, "Africa/Maputo"), ("Ana", Language.PT, "Africa/Maputo"),
                   ("Diego", Language.ES, "America/Lima"), ("Marie", Language.FR, "Africa/Dakar"))]
        uow.commit()
    yield ids


def test_a_draft_is_stored_once(database: Database, members: list[int]) -> None:
    with SqlUnitOfWork(database.engine) as uow:
        first = uow.broadcasts.create(new(members[0]), Status.SCHEDULED, NOW)
        assert first is not None
        assert uow.broadcasts.create(new(members[0]), Status.SCHEDULED, NOW) is None
        assert uow.broadcasts.create(new(members[1]), Status.SCHEDULED, NOW) is not None
        uow.commit()
    with SqlUnitOfWork(database.engine) as uow:
        stored = uow.broadcasts.get(first)
    assert stored is not None
    assert (stored.sender_id, stored.sender_name, stored.text, stored.language, stored.when,
            stored.status, stored.recipients, stored.created_at) == (
        members[0], "Carla", "Hello all", Language.EN, When.AT, Status.SCHEDULED, 3, NOW)
    assert stored.attachments == (FILE,) and stored.send_at == NOW + timedelta(hours=1)


def test_the_schedule_is_released_once_each(database: Database, members: list[int]) -> None:
    sender, ana, diego, marie = members
    with SqlUnitOfWork(database.engine) as uow:
        broadcast = uow.broadcasts.create(new(sender, when=When.LOCAL), Status.SCHEDULED, NOW)
        assert broadcast is not None
        uow.broadcasts.schedule(broadcast, [(ana, NOW + timedelta(hours=1)),
                                            (marie, NOW + timedelta(hours=3)),
                                            (diego, NOW + timedelta(hours=8))])
        uow.commit()
    with SqlUnitOfWork(database.engine) as uow:
        assert uow.broadcasts.take_due(NOW) == []
        due = uow.broadcasts.take_due(NOW + timedelta(hours=3))
        assert [(b, r.id) for b, r in due] == [(broadcast, ana), (broadcast, marie)]
        assert due[0][1] == Recipient(ana, "console:ana", Language.PT, True, "Africa/Maputo")
        uow.broadcasts.start(broadcast, NOW + timedelta(hours=3))
        uow.commit()
    with SqlUnitOfWork(database.engine) as uow:
        assert uow.broadcasts.take_due(NOW + timedelta(hours=3)) == []  # never twice
        assert [b.id for b in uow.broadcasts.running()] == [broadcast]
        assert uow.broadcasts.figures([broadcast]) == {broadcast: Figures(waiting=1)}
        # Rolled back: the reader stays scheduled.
        assert len(uow.broadcasts.take_due(NOW + timedelta(days=1))) == 1
    with SqlUnitOfWork(database.engine) as uow:
        assert [r.id for _b, r in uow.broadcasts.take_due(NOW + timedelta(days=1))] == [diego]


def test_figures_report_and_finish(database: Database, members: list[int]) -> None:
    sender, *readers = members
    catalogue = Catalogue.load()
    with SqlUnitOfWork(database.engine) as uow:
        broadcast = uow.broadcasts.create(new(sender, when=When.NOW, send_at=None),
                                          Status.SENDING, NOW)
        assert broadcast is not None
        stored = uow.broadcasts.get(broadcast)
        assert stored is not None
        out: list[Outbound] = []
        contacts: dict[int, Contact] = {}
        fan_out(out, contacts, broadcast, stored, readers)
        queue_messages(uow, catalogue, out, NOW)
        rows = uow.outbox.sql.rows("SELECT id, attachments FROM outbox "
                                   "WHERE context = 'broadcast' ORDER BY id")
        assert len(rows) == 3 and "programme.pdf" in str(rows[0][1])
        uow.outbox.sql.run("UPDATE outbox SET status = 'sent' WHERE id = :id", {"id": rows[0][0]})
        uow.outbox.sql.run("UPDATE outbox SET status = 'failed' WHERE id = :id",
                           {"id": rows[1][0]})
        assert uow.broadcasts.figures([broadcast, 999]) == {
            broadcast: Figures(delivered=1, failed=1, pending=1), 999: Figures()}
        uow.broadcasts.report(broadcast, 50)
        assert uow.broadcasts.finish(broadcast, NOW)
        assert not uow.broadcasts.finish(broadcast, NOW)
        done = uow.broadcasts.get(broadcast)
        assert done is not None and (done.status, done.reported_percent) == (Status.DONE, 50)
        assert uow.broadcasts.running() == []


def test_cancelling(database: Database, members: list[int]) -> None:
    sender, ana, diego, marie = members
    with SqlUnitOfWork(database.engine) as uow:
        untouched = uow.broadcasts.create(new(sender, "a"), Status.SCHEDULED, NOW)
        started = uow.broadcasts.create(new(sender, "b", when=When.LOCAL), Status.SCHEDULED,
                                        NOW)
        assert untouched is not None and started is not None
        uow.broadcasts.schedule(untouched, [(m, NOW + timedelta(hours=1))
                                            for m in (ana, diego, marie)])
        uow.broadcasts.schedule(started, [(ana, NOW), (diego, NOW + timedelta(hours=9)),
                                          (marie, NOW + timedelta(hours=9))])
        uow.broadcasts.take_due(NOW)
        uow.broadcasts.start(started, NOW)
        assert uow.broadcasts.cancel(untouched, NOW) == 3
        assert uow.broadcasts.cancel(started, NOW) == 2
        assert uow.broadcasts.cancel(started, NOW) == 0
        found = uow.broadcasts.many([untouched, started])
        assert (found[untouched].status, found[untouched].recipients) == (Status.CANCELLED, 0)
        assert (found[started].status, found[started].recipients) == (Status.SENDING, 1)
        assert [b.id for b in uow.broadcasts.recent(1)] == [started]
        assert [b.id for b in uow.broadcasts.recent(10)] == [started, untouched]


class Counting:
    """Counts the statements a unit of work's ``Sql`` runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.statements: list[str] = []
        execute, run_many = Sql._execute, Sql.run_many

        def counted_execute(sql: Sql, text: str, params: Any) -> Any:
            self.statements.append(text)
            return execute(sql, text, params)

        def counted_many(sql: Sql, text: str, rows: Any) -> None:
            self.statements.append(text)
            # run_many calls _execute itself for one row: do not count that twice.
            monkeypatch.setattr(Sql, "_execute", execute)
            try:
                run_many(sql, text, rows)
            finally:
                monkeypatch.setattr(Sql, "_execute", counted_execute)

        monkeypatch.setattr(Sql, "_execute", counted_execute)
        monkeypatch.setattr(Sql, "run_many", counted_many)


def test_ten_thousand_readers_in_a_few_statements(database: Database,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with SqlUnitOfWork(database.engine) as uow:
        uow.members.sql.run_many(
            "INSERT INTO members (name, name_key, language, timezone, primary_identity, "
            "created_at) VALUES (:name, :name, :language, 'UTC', :identity, :now)",
            [{"name": f"m{i}", "language": "enptesfr"[2 * (i % 4):2 * (i % 4) + 2],
              "identity": f"console:m{i}", "now": uow.members.sql.time(NOW)}
             for i in range(10_000)])
        uow.commit()
    catalogue = Catalogue.load()
    counter = Counting(monkeypatch)
    with SqlUnitOfWork(database.engine) as uow:
        readers = uow.audiences.recipients(Audience())
        broadcast = uow.broadcasts.create(new(readers[0].id, when=When.NOW, send_at=None,
                                              readers=len(readers)), Status.SENDING, NOW)
        assert broadcast is not None
        stored = uow.broadcasts.get(broadcast)
        assert stored is not None
        out: list[Outbound] = []
        contacts: dict[int, Contact] = {}
        fan_out(out, contacts, broadcast, stored, readers)
        queue_messages(uow, catalogue, out, NOW, known=list(contacts.values()))
        uow.commit()
    inserts = [s for s in counter.statements if s.startswith("INSERT INTO outbox")]
    assert len(readers) == 10_000 and len(inserts) == 1
    assert len(counter.statements) <= 6  # BEGIN, readers, the broadcast, reading it, outbox
    with SqlUnitOfWork(database.engine) as uow:
        assert uow.broadcasts.figures([broadcast])[broadcast] == Figures(pending=10_000)
