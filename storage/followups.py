"""The ``Followups`` port in SQL: index-range queries of what is due, and the nag record."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

from handlers.domain import Language
from handlers.followup_ports import (
    DueTask,
    NagRecord,
    PausedTeam,
    QuietTeam,
    SentNag,
    UnansweredRequest,
    WaitingChanges,
    WaitingReview,
)
from storage.sql import Row, Sql, placeholders

# Items per IN (…) list: well under SQLite's limit on parameters.
CHUNK = 500

_UNPAUSED = "(tm.nags_paused_until IS NULL OR tm.nags_paused_until <= :now)"
_DUE_TASKS = (
    "SELECT t.id, t.team_id, tm.name, t.title, t.due_date, t.due_at, tm.leader_id, "
    "tm.co_leader_id FROM tasks t JOIN teams tm ON tm.id = t.team_id "
    f"WHERE t.done = 0 AND t.due_at < :until AND tm.status = 'approved' AND {_UNPAUSED} "
    "AND NOT EXISTS (SELECT 1 FROM deliverables d WHERE d.task_id = t.id) ORDER BY t.due_at")
_WAITING_REVIEWS = (
    "SELECT r.id, d.id, v.number, d.team_id, tm.name, d.task_id, t.title, r.reviewer_id, "
    "r.opened_at FROM review_rounds r JOIN versions v ON v.id = r.version_id "
    "JOIN deliverables d ON d.id = v.deliverable_id JOIN teams tm ON tm.id = d.team_id "
    "JOIN tasks t ON t.id = d.task_id "
    f"WHERE r.decision IS NULL AND r.opened_at < :before AND d.status <> 'approved' "
    f"AND {_UNPAUSED} AND EXISTS (SELECT 1 FROM assignments a WHERE a.deliverable_id = d.id "
    "AND a.reviewer_id = r.reviewer_id AND a.active = 1) ORDER BY r.opened_at")
_WAITING_CHANGES = (
    "SELECT d.id, d.team_id, tm.name, d.task_id, t.title, d.status_since, tm.leader_id, "
    "tm.co_leader_id FROM deliverables d JOIN teams tm ON tm.id = d.team_id "
    "JOIN tasks t ON t.id = d.task_id WHERE d.status = 'changes_requested' "
    f"AND d.status_since < :before AND {_UNPAUSED} ORDER BY d.status_since")
_UNANSWERED = (
    "SELECT h.id, h.asker_id, m.name, tm.name, h.created_at, h.urgent, h.text, h.language "
    "FROM help_requests h "
    "JOIN members m ON m.id = h.asker_id LEFT JOIN teams tm ON tm.id = h.team_id "
    "WHERE h.status = 'open' AND h.created_at < :before AND h.answered_at IS NULL "
    "ORDER BY h.created_at")
_QUIET = (
    "SELECT tm.id, tm.name, tm.last_activity_at, tm.leader_id, tm.co_leader_id FROM teams tm "
    f"WHERE tm.last_activity_at < :before AND tm.status = 'approved' AND {_UNPAUSED} "
    "ORDER BY tm.last_activity_at")
_RECORD_SENT = (
    "INSERT INTO nags (rule, item_id, member_id, stage, sent_on, sent_at, snoozed_until) "
    "VALUES (:rule, :item, :member, :stage, :on, :now, NULL) "
    "ON CONFLICT (rule, item_id, member_id) DO UPDATE SET stage = excluded.stage, "
    "sent_on = excluded.sent_on, sent_at = excluded.sent_at, "
    "snoozed_until = CASE WHEN nags.snoozed_until > excluded.sent_at "
    "THEN nags.snoozed_until END")
_SNOOZE = (
    "INSERT INTO nags (rule, item_id, member_id, stage, snoozed_until) "
    "VALUES (:rule, :item, :member, 0, :until) "
    "ON CONFLICT (rule, item_id, member_id) DO UPDATE SET snoozed_until = excluded.snoozed_until")


def _chunks(values: Iterable[int]) -> Iterator[list[int]]:
    items = sorted(set(values))
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def _leaders(row: Row, first: int) -> tuple[int, ...]:
    return tuple(m for m in (row[first], row[first + 1]) if m is not None)


class SqlFollowups:
    """The ``Followups`` port on one unit of work's connection."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def _responsible(self, task_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
        found: dict[int, list[int]] = {}
        for chunk in _chunks(task_ids):
            marks, params = placeholders("t", chunk)
            for task_id, member_id in self.sql.rows(
                    "SELECT task_id, member_id FROM task_responsibles "
                    f"WHERE task_id IN ({marks}) ORDER BY task_id, member_id", params):
                found.setdefault(task_id, []).append(member_id)
        return {task: tuple(members) for task, members in found.items()}

    def due_tasks(self, until: datetime, now: datetime) -> list[DueTask]:
        """Open tasks with nothing handed in, due before ``until``."""
        rows = self.sql.rows(_DUE_TASKS, {"until": self.sql.time(until),
                                          "now": self.sql.time(now)})
        responsible = self._responsible(r[0] for r in rows)
        return [DueTask(r[0], r[1], r[2], r[3], date.fromisoformat(r[4]),
                        self.sql.read_time(r[5]), responsible.get(r[0], ()), _leaders(r, 6))
                for r in rows]

    def waiting_reviews(self, before: datetime, now: datetime) -> list[WaitingReview]:
        """Open review rounds opened before ``before``."""
        rows = self.sql.rows(_WAITING_REVIEWS, {"before": self.sql.time(before),
                                                "now": self.sql.time(now)})
        return [WaitingReview(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                              self.sql.read_time(r[8])) for r in rows]

    def waiting_changes(self, before: datetime, now: datetime) -> list[WaitingChanges]:
        """Deliverables with changes requested before ``before``."""
        rows = self.sql.rows(_WAITING_CHANGES, {"before": self.sql.time(before),
                                                "now": self.sql.time(now)})
        responsible = self._responsible(r[3] for r in rows)
        return [WaitingChanges(r[0], r[1], r[2], r[3], r[4], self.sql.read_time(r[5]),
                               responsible.get(r[3], ()), _leaders(r, 6)) for r in rows]

    def unanswered_requests(self, before: datetime) -> list[UnansweredRequest]:
        """Open help requests asked before ``before`` that nobody has answered."""
        rows = self.sql.rows(_UNANSWERED, {"before": self.sql.time(before)})
        return [UnansweredRequest(r[0], r[1], r[2], r[3], self.sql.read_time(r[4]), bool(r[5]),
                                  r[6], Language(r[7])) for r in rows]

    def quiet_teams(self, before: datetime, now: datetime) -> list[QuietTeam]:
        """Approved teams whose last activity was before ``before``."""
        rows = self.sql.rows(_QUIET, {"before": self.sql.time(before),
                                      "now": self.sql.time(now)})
        return [QuietTeam(r[0], r[1], self.sql.read_time(r[2]), _leaders(r, 3)) for r in rows]

    def records(self, rule: str, item_ids: Iterable[int]) -> dict[tuple[int, int], NagRecord]:
        """What was sent and snoozed under a rule for these items, by (item, member)."""
        found: dict[tuple[int, int], NagRecord] = {}
        for chunk in _chunks(item_ids):
            marks, params = placeholders("i", chunk)
            for item, member, stage, sent_on, snoozed in self.sql.rows(
                    "SELECT item_id, member_id, stage, sent_on, snoozed_until FROM nags "
                    f"WHERE rule = :rule AND item_id IN ({marks})", {"rule": rule, **params}):
                found[(item, member)] = NagRecord(
                    stage, sent_on, self.sql.read_time(snoozed) if snoozed else None)
        return found

    def record_sent(self, sent: Sequence[SentNag], now: datetime) -> None:
        """Remember the nags just queued."""
        at = self.sql.time(now)
        self.sql.run_many(_RECORD_SENT, [
            {"rule": n.rule, "item": n.item_id, "member": n.member_id, "stage": n.stage,
             "on": n.sent_on, "now": at} for n in sent])

    def snooze(self, keys: Sequence[tuple[str, int]], member_id: int,
               until: datetime) -> None:
        """Hold back a member's nags about these (rule, item) pairs until then."""
        moment = self.sql.time(until)
        self.sql.run_many(_SNOOZE, [{"rule": rule, "item": item, "member": member_id,
                                     "until": moment} for rule, item in keys])

    def mark_urgent(self, request_ids: Sequence[int]) -> None:
        """Mark help requests urgent."""
        for chunk in _chunks(request_ids):
            marks, params = placeholders("r", chunk)
            self.sql.run(f"UPDATE help_requests SET urgent = 1 WHERE id IN ({marks})", params)

    def pause(self, team_id: int, until: datetime | None) -> None:
        """Pause a team's nags until then (None: resume them)."""
        self.sql.run("UPDATE teams SET nags_paused_until = :until WHERE id = :id",
                     {"until": self.sql.time(until) if until else None, "id": team_id})

    def paused_teams(self, now: datetime) -> list[PausedTeam]:
        """Teams whose nags are paused now."""
        return [PausedTeam(r[0], r[1], self.sql.read_time(r[2])) for r in self.sql.rows(
            "SELECT id, name, nags_paused_until FROM teams WHERE nags_paused_until > :now "
            "ORDER BY name_key", {"now": self.sql.time(now)})]

    def timezones(self, member_ids: Iterable[int]) -> dict[int, str]:
        """Each member's time zone."""
        zones: dict[int, str] = {}
        for chunk in _chunks(member_ids):
            marks, params = placeholders("m", chunk)
            zones.update(self.sql.rows(
                f"SELECT id, timezone FROM members WHERE id IN ({marks})", params))
        return zones
