"""The events repository on SQLite and PostgreSQL: invitations, answers, counts, listing,
changes, cancellation, and reminders read by their moment and settled once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from handlers.domain import Language, Region
from handlers.event_ports import (
    Answer,
    Counts,
    EventChange,
    EventStatus,
    NewEvent,
    Reminder,
    ReminderOutcome,
)
from handlers.event_reminders import plan_reminders
from storage.database import Database
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
START = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _setup(database: Database) -> tuple[list[int], int]:
    with SqlUnitOfWork(database.engine) as uow:
        people = [uow.members.add(name, f"console:{name.lower()}", language, zone, NOW).id
                  for name, language, zone in (("Carla", Language.EN, "Africa/Maputo"),
                                               ("Diego", Language.ES, "America/Lima"),
                                               ("Awa", Language.FR, "Africa/Dakar"),
                                               ("Ana", Language.PT, "Africa/Maputo"))]
        team = uow.teams.add("Rios", "PB", Region.SOUTHERN_AFRICA, "RIOS1", people[3], True, NOW)
        uow.commit()
    return people, team.id


def _new(team_id: int, start: datetime = START) -> NewEvent:
    return NewEvent("Resultados", Language.PT, "1. Rios", Language.PT, start, 90,
                    "https://meet.example.org/x", "Africa/Maputo", (team_id,), "{}")


def test_an_event_with_invitations_and_answers(database: Database) -> None:
    people, team_id = _setup(database)
    carla, diego, awa, ana = people
    with SqlUnitOfWork(database.engine) as uow:
        event = uow.events.add(_new(team_id), carla, [diego, awa, ana, ana],
                               plan_reminders(START, (24, 1), NOW), NOW)
        uow.commit()
    assert event.presenting == ("Rios",) and event.sequence == 0
    assert event.status == EventStatus.SCHEDULED and event.organiser_id == carla
    assert event.starts_at == START and event.ends_at == START + timedelta(minutes=90)
    with SqlUnitOfWork(database.engine) as uow:
        assert [m.name for m in uow.events.invitees(event.id)] == ["Diego", "Awa", "Ana"]
        assert uow.events.answer_of(event.id, carla) == (False, None)
        assert uow.events.answer_of(event.id, diego) == (True, None)
        uow.events.answer(event.id, diego, Answer.YES, NOW)
        uow.events.answer(event.id, awa, Answer.MAYBE, NOW)
        uow.events.answer(event.id, ana, Answer.YES, NOW)
        uow.events.answer(event.id, ana, Answer.NO, NOW)  # changed her mind
        uow.commit()
    with SqlUnitOfWork(database.engine) as uow:
        assert uow.events.answer_of(event.id, ana) == (True, Answer.NO)
        assert uow.events.counts([event.id]) == {event.id: Counts(1, 1, 1, 0)}
        assert [m.name for m in uow.events.invitees(event.id, declined=False)] == \
            ["Diego", "Awa"]
        assert uow.events.counts([]) == {}


def test_upcoming_events_for_an_invitee_and_for_coordinators(database: Database) -> None:
    people, team_id = _setup(database)
    carla, diego, awa, _ana = people
    with SqlUnitOfWork(database.engine) as uow:
        later = uow.events.add(_new(team_id, START + timedelta(days=7)), carla, [diego], [], NOW)
        sooner = uow.events.add(_new(team_id), carla, [diego, awa], [], NOW)
        gone = uow.events.add(_new(team_id), carla, [diego], [], NOW)
        uow.events.cancel(gone.id, NOW)
        uow.events.answer(sooner.id, diego, Answer.MAYBE, NOW)
        uow.commit()
    with SqlUnitOfWork(database.engine) as uow:
        mine = uow.events.upcoming(NOW, diego, every=False, limit=10)
        assert [(i.event.id, i.invited, i.answer) for i in mine] == \
            [(sooner.id, True, Answer.MAYBE), (later.id, True, None)]
        every = uow.events.upcoming(NOW, carla, every=True, limit=10)
        assert [(i.event.id, i.invited) for i in every] == [(sooner.id, False),
                                                           (later.id, False)]
        assert [i.event.id for i in uow.events.upcoming(NOW, awa, every=False, limit=1)] == \
            [sooner.id]
        # Listed until the end: during the event, not after.
        during = START + timedelta(minutes=30)
        assert [i.event.id for i in uow.events.upcoming(during, awa, every=False, limit=5)] == \
            [sooner.id]
        after = START + timedelta(minutes=90)
        assert uow.events.upcoming(after, awa, every=False, limit=5) == []


def test_reminders_are_read_when_due_and_settled_once(database: Database) -> None:
    people, team_id = _setup(database)
    carla, diego, *_ = people
    with SqlUnitOfWork(database.engine) as uow:
        late = START - timedelta(hours=20)  # created after the 24 h moment
        event = uow.events.add(_new(team_id), carla, [diego], plan_reminders(START, (24, 1),
                                                                             late), late)
        uow.commit()
    with SqlUnitOfWork(database.engine) as uow:
        assert uow.events.due_reminders(START - timedelta(hours=2), 10) == []
        (due,) = uow.events.due_reminders(START - timedelta(minutes=59), 10)
        assert (due.event_id, due.hours, due.due_at) == (event.id, 1, START - timedelta(hours=1))
        assert uow.events.settle_reminder(event.id, 1, ReminderOutcome.SENT, START)
        assert not uow.events.settle_reminder(event.id, 1, ReminderOutcome.SENT, START)
        uow.commit()
    with SqlUnitOfWork(database.engine) as uow:
        assert uow.events.due_reminders(START, 10) == []
    assert _reminders(database, event.id) == [(1, "sent"), (24, "skipped")]


def test_a_change_raises_the_sequence_and_replans_reminders(database: Database) -> None:
    people, team_id = _setup(database)
    carla, diego, *_ = people
    with SqlUnitOfWork(database.engine) as uow:
        event = uow.events.add(_new(team_id), carla, [diego],
                               plan_reminders(START, (24, 1), NOW), NOW)
        moved = START + timedelta(days=1)
        changed = uow.events.change(
            event.id, EventChange(starts_at=moved, zone="UTC", link="https://b.example.org",
                                  title=("Results", Language.EN)),
            plan_reminders(moved, (24, 1), NOW), NOW)
        assert changed is not None
        assert (changed.sequence, changed.starts_at, changed.zone, changed.link) == \
            (1, moved, "UTC", "https://b.example.org")
        assert (changed.title, changed.title_language) == ("Results", Language.EN)
        assert changed.ends_at == moved + timedelta(minutes=90)
        longer = uow.events.change(event.id, EventChange(duration_minutes=120), None, NOW)
        assert longer is not None and longer.sequence == 2 and longer.starts_at == moved
        assert longer.ends_at == moved + timedelta(hours=2)
        (due,) = uow.events.due_reminders(moved - timedelta(hours=23), 10)
        assert due.due_at == moved - timedelta(hours=24)
        uow.commit()


def test_a_cancellation_settles_the_reminders_to_come(database: Database) -> None:
    people, team_id = _setup(database)
    carla, diego, *_ = people
    with SqlUnitOfWork(database.engine) as uow:
        event = uow.events.add(_new(team_id), carla, [diego],
                               [Reminder(24, START - timedelta(hours=24))], NOW)
        cancelled = uow.events.cancel(event.id, NOW)
        assert cancelled is not None
        assert cancelled.status == EventStatus.CANCELLED and cancelled.sequence == 1
        assert uow.events.cancel(event.id, NOW) is None
        assert uow.events.change(event.id, EventChange(link="https://c.example.org"), None,
                                 NOW) is None
        assert uow.events.due_reminders(START, 10) == []
        uow.commit()
    assert _reminders(database, event.id) == [(24, "cancelled")]


def test_a_removed_team_leaves_the_event(database: Database) -> None:
    people, team_id = _setup(database)
    with SqlUnitOfWork(database.engine) as uow:
        event = uow.events.add(_new(team_id), people[0], people[1:], [], NOW)
        uow.teams.delete(team_id)
        uow.commit()
    with SqlUnitOfWork(database.engine) as uow:
        found = uow.events.get(event.id)
        assert found is not None and found.presenting == ()
        assert uow.events.get(event.id + 100) is None


def _reminders(database: Database, event_id: int) -> list[tuple[int, str]]:
    with database.engine.connect() as conn:
        rows = conn.execute(text("SELECT hours, outcome FROM event_reminders "
                                 "WHERE event_id = :e ORDER BY hours"), {"e": event_id})
        return [(int(r[0]), str(r[1])) for r in rows]
