"""The ``Events`` port in SQL: events, invitations with their answers, and reminders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from handlers.domain import Language, Member
from handlers.event_ports import (
    Answer,
    Counts,
    DueReminder,
    Event,
    EventChange,
    EventStatus,
    Listed,
    NewEvent,
    Reminder,
    ReminderOutcome,
)
from storage.rows import MEMBER_COLUMNS, MEMBER_FROM, members_from
from storage.sql import Row, Sql, placeholders

_COLUMNS = ("e.id, e.title, e.title_language, e.agenda, e.agenda_language, e.starts_at, "
            "e.duration_minutes, e.link, e.zone, e.audience, e.organiser_id, e.status, "
            "e.sequence, e.created_at")
_ADD = ("INSERT INTO events (title, title_language, agenda, agenda_language, starts_at, "
        "ends_at, duration_minutes, link, zone, audience, organiser_id, status, sequence, "
        "created_at, updated_at) VALUES (:title, :title_language, :agenda, :agenda_language, "
        ":starts_at, :ends_at, :duration, :link, :zone, :audience, :organiser, 'scheduled', 0, "
        ":now, :now) RETURNING id")
_INVITE = ("INSERT INTO event_invitations (event_id, member_id, invited_at) "
           "VALUES (:event, :member, :now)")
_PLAN = ("INSERT INTO event_reminders (event_id, hours, due_at, done_at, outcome) "
         "VALUES (:event, :hours, :due, :done, :outcome)")
_INVITEES = (f"SELECT {MEMBER_COLUMNS} FROM {MEMBER_FROM} WHERE m.id IN ("
             "SELECT member_id FROM event_invitations WHERE event_id = :event{declined}) "
             "ORDER BY m.id")
_UPCOMING_MINE = (f"SELECT {_COLUMNS}, i.answer, 1 FROM events e "
                  "JOIN event_invitations i ON i.event_id = e.id AND i.member_id = :member "
                  "WHERE e.ends_at > :now AND e.status = 'scheduled' "
                  "ORDER BY e.starts_at, e.id LIMIT :limit")
_UPCOMING_ALL = (f"SELECT {_COLUMNS}, i.answer, i.member_id FROM events e "
                 "LEFT JOIN event_invitations i ON i.event_id = e.id AND i.member_id = :member "
                 "WHERE e.ends_at > :now AND e.status = 'scheduled' "
                 "ORDER BY e.starts_at, e.id LIMIT :limit")
_DUE = ("SELECT event_id, hours, due_at FROM event_reminders "
        "WHERE done_at IS NULL AND due_at <= :now ORDER BY due_at, event_id, hours LIMIT :limit")


class SqlEvents:
    """The ``Events`` port on one unit of work's connection."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def _events(self, rows: Sequence[Row]) -> list[Event]:
        """Event rows (the ``_COLUMNS``) with their presenting teams."""
        if not rows:
            return []
        listed, params = placeholders("e", [row[0] for row in rows])
        teams: dict[int, list[str]] = {}
        for event_id, name in self.sql.rows(
                "SELECT p.event_id, t.name FROM event_teams p JOIN teams t ON t.id = p.team_id "
                f"WHERE p.event_id IN ({listed}) ORDER BY t.name_key", params):
            teams.setdefault(event_id, []).append(name)
        read = self.sql.read_time
        return [Event(row[0], row[1], Language(row[2]), row[3], Language(row[4]), read(row[5]),
                      row[6], row[7], row[8], tuple(teams.get(row[0], ())), row[9], row[10],
                      EventStatus(row[11]), row[12], read(row[13])) for row in rows]

    def add(self, event: NewEvent, organiser_id: int, invitees: Sequence[int],
            reminders: Sequence[Reminder], now: datetime) -> Event:
        """Store an event, invite these members and plan its reminders."""
        when = self.sql.time(now)
        ends_at = event.starts_at + _minutes(event.duration_minutes)
        event_id = self.sql.insert(_ADD, {
            "title": event.title, "title_language": event.title_language.value,
            "agenda": event.agenda, "agenda_language": event.agenda_language.value,
            "starts_at": self.sql.time(event.starts_at), "ends_at": self.sql.time(ends_at),
            "duration": event.duration_minutes, "link": event.link, "zone": event.zone,
            "audience": event.audience, "organiser": organiser_id, "now": when})
        self.sql.run_many("INSERT INTO event_teams (event_id, team_id) VALUES (:event, :team)",
                          [{"event": event_id, "team": t} for t in dict.fromkeys(event.presenting)])
        self.sql.run_many(_INVITE, [{"event": event_id, "member": m, "now": when}
                                    for m in dict.fromkeys(invitees)])
        self._plan(event_id, reminders, now)
        found = self.get(event_id)
        assert found is not None
        return found

    def _plan(self, event_id: int, reminders: Sequence[Reminder], now: datetime) -> None:
        when = self.sql.time(now)
        self.sql.run_many(_PLAN, [
            {"event": event_id, "hours": r.hours, "due": self.sql.time(r.due_at),
             "done": when if r.outcome is not None else None,
             "outcome": r.outcome.value if r.outcome is not None else None}
            for r in reminders])

    def get(self, event_id: int) -> Event | None:
        """One event by id."""
        found = self._events(self.sql.rows(f"SELECT {_COLUMNS} FROM events e WHERE e.id = :id",
                                           {"id": event_id}))
        return found[0] if found else None

    def invitees(self, event_id: int, *, declined: bool = True) -> list[Member]:
        """Everyone invited (``declined=False``: those who did not say they won't come)."""
        condition = "" if declined else " AND (answer IS NULL OR answer <> 'no')"
        return members_from(self.sql.rows(_INVITEES.format(declined=condition),
                                          {"event": event_id}))

    def answer_of(self, event_id: int, member_id: int) -> tuple[bool, Answer | None]:
        """Whether a member is invited, and what they answered."""
        row = self.sql.row("SELECT answer FROM event_invitations "
                           "WHERE event_id = :event AND member_id = :member",
                           {"event": event_id, "member": member_id})
        if row is None:
            return False, None
        return True, Answer(row[0]) if row[0] is not None else None

    def answer(self, event_id: int, member_id: int, answer: Answer, now: datetime) -> None:
        """Record (or change) an invitee's answer."""
        self.sql.run("UPDATE event_invitations SET answer = :answer, answered_at = :now "
                     "WHERE event_id = :event AND member_id = :member",
                     {"answer": answer.value, "now": self.sql.time(now), "event": event_id,
                      "member": member_id})

    def counts(self, event_ids: Sequence[int]) -> dict[int, Counts]:
        """How the invitees of each event answered."""
        if not event_ids:
            return {}
        listed, params = placeholders("e", event_ids)
        tally: dict[int, dict[str | None, int]] = {}
        for event_id, answer, count in self.sql.rows(
                "SELECT event_id, answer, COUNT(*) FROM event_invitations "
                f"WHERE event_id IN ({listed}) GROUP BY event_id, answer", params):
            tally.setdefault(event_id, {})[answer] = int(count)
        return {e: Counts(t.get("yes", 0), t.get("maybe", 0), t.get("no", 0), t.get(None, 0))
                for e, t in tally.items()}

    def upcoming(self, now: datetime, member_id: int, *, every: bool,
                 limit: int) -> list[Listed]:
        """Events not over yet, soonest first, with the member's answer."""
        rows = self.sql.rows(_UPCOMING_ALL if every else _UPCOMING_MINE,
                             {"member": member_id, "now": self.sql.time(now), "limit": limit})
        events = self._events([row[:14] for row in rows])
        return [Listed(event, row[15] is not None,
                       Answer(row[14]) if row[14] is not None else None)
                for event, row in zip(events, rows, strict=True)]

    def change(self, event_id: int, change: EventChange, reminders: Sequence[Reminder] | None,
               now: datetime) -> Event | None:
        """Change a scheduled event (SEQUENCE + 1) and replan its reminders when it moved."""
        event = self.get(event_id)
        if event is None or event.status != EventStatus.SCHEDULED:
            return None
        values: dict[str, Any] = {}
        if change.title is not None:
            values["title"], values["title_language"] = change.title[0], change.title[1].value
        if change.agenda is not None:
            values["agenda"], values["agenda_language"] = (change.agenda[0],
                                                           change.agenda[1].value)
        if change.link is not None:
            values["link"] = change.link
        if change.zone is not None:
            values["zone"] = change.zone
        starts_at = change.starts_at or event.starts_at
        duration = change.duration_minutes or event.duration_minutes
        if change.starts_at is not None or change.duration_minutes is not None:
            values["starts_at"] = self.sql.time(starts_at)
            values["ends_at"] = self.sql.time(starts_at + _minutes(duration))
            values["duration_minutes"] = duration
        assignments = "".join(f", {name} = :{name}" for name in values)
        self.sql.run(f"UPDATE events SET sequence = sequence + 1, updated_at = :now{assignments} "
                     "WHERE id = :id", {**values, "now": self.sql.time(now), "id": event_id})
        if reminders is not None:
            self.sql.run("DELETE FROM event_reminders WHERE event_id = :event",
                         {"event": event_id})
            self._plan(event_id, reminders, now)
        return self.get(event_id)

    def cancel(self, event_id: int, now: datetime) -> Event | None:
        """Cancel a scheduled event and its reminders still to come."""
        when = self.sql.time(now)
        changed = self.sql.run("UPDATE events SET status = 'cancelled', "
                               "sequence = sequence + 1, updated_at = :now "
                               "WHERE id = :id AND status = 'scheduled'",
                               {"now": when, "id": event_id})
        if not changed:
            return None
        self.sql.run("UPDATE event_reminders SET done_at = :now, outcome = :outcome "
                     "WHERE event_id = :event AND done_at IS NULL",
                     {"now": when, "outcome": ReminderOutcome.CANCELLED.value,
                      "event": event_id})
        return self.get(event_id)

    def due_reminders(self, now: datetime, limit: int) -> list[DueReminder]:
        """Reminders whose moment has come and that were not settled, oldest first."""
        rows = self.sql.rows(_DUE, {"now": self.sql.time(now), "limit": limit})
        return [DueReminder(row[0], row[1], self.sql.read_time(row[2])) for row in rows]

    def settle_reminder(self, event_id: int, hours: int, outcome: ReminderOutcome,
                        now: datetime) -> bool:
        """Record what became of a reminder; False when it was already settled."""
        return self.sql.run("UPDATE event_reminders SET done_at = :now, outcome = :outcome "
                            "WHERE event_id = :event AND hours = :hours AND done_at IS NULL",
                            {"now": self.sql.time(now), "outcome": outcome.value,
                             "event": event_id, "hours": hours}) > 0


def _minutes(count: int) -> timedelta:
    return timedelta(minutes=count)
