"""Everything stored about one member, gathered for ``/export`` (the ``PersonalData`` port;
forgetting is in ``storage/forgetting.py``).

Each section is one query over one kind of record. Other people appear only by their member
number: the names, accounts and words of others are never copied into someone's export, except
in the text of the messages the member received (which they have read already).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from handlers.privacy_ports import Forgetting, Forgotten, Records
from storage import forgetting
from storage.sql import Sql

# The outbox rows that are the member's own: to them, not to a team group filed under them.
PERSONAL_ROWS = ("member_id = :m AND identity NOT IN "
                 "(SELECT platform || ':' || chat_id FROM team_groups)")


class Section(NamedTuple):
    """One section of the export: its query, its columns' names, and which of them hold a
    moment or JSON."""

    query: str
    columns: tuple[str, ...]
    times: frozenset[str] = frozenset()
    json: frozenset[str] = frozenset()


def _section(query: str, columns: str, times: str = "", json: str = "") -> Section:
    return Section(query, tuple(columns.split()), frozenset(times.split()),
                   frozenset(json.split()))


SECTIONS: dict[str, Section] = {
    "member": _section(
        "SELECT id, name, language, timezone, primary_identity, created_at, auto_translate, "
        "team_chat FROM members WHERE id = :m",
        "id name language timezone last_used_account created_at auto_translate team_chat",
        "created_at"),
    "accounts": _section(
        "SELECT identity, platform, created_at FROM identities WHERE member_id = :m "
        "ORDER BY created_at", "account platform created_at", "created_at"),
    "roles": _section(
        "SELECT role, granted_at, granted_by FROM member_roles WHERE member_id = :m "
        "ORDER BY granted_at", "role granted_at granted_by_member", "granted_at"),
    "team": _section(
        "SELECT t.id, t.name, t.topic, t.region, tm.joined_at, CASE WHEN t.leader_id = :m "
        "THEN 'leader' WHEN t.co_leader_id = :m THEN 'coleader' ELSE 'member' END "
        "FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.member_id = :m",
        "team_id team topic region joined_at team_role", "joined_at"),
    "teams_proposed": _section(
        "SELECT id, name, status, created_at FROM teams WHERE created_by = :m ORDER BY id",
        "team_id team status created_at", "created_at"),
    "tasks_responsible_for": _section(
        "SELECT t.id, t.team_id, t.title, t.output, t.due_date, t.done FROM task_responsibles r "
        "JOIN tasks t ON t.id = r.task_id WHERE r.member_id = :m ORDER BY t.id",
        "task_id team_id title output due_date done"),
    "files_uploaded": _section(
        "SELECT d.id, d.task_id, v.number, v.filename, v.size, v.kind, v.sha256, "
        "v.submitted_at, v.note FROM versions v JOIN deliverables d ON d.id = v.deliverable_id "
        "WHERE v.submitted_by = :m ORDER BY v.id",
        "deliverable_id task_id version file_name size kind sha256 submitted_at note",
        "submitted_at"),
    "reviewer_profile": _section(
        "SELECT languages, topics FROM reviewer_profiles WHERE member_id = :m",
        "languages topics"),
    "reviews_assigned": _section(
        "SELECT deliverable_id, active, assigned_at FROM assignments WHERE reviewer_id = :m "
        "ORDER BY id", "deliverable_id active assigned_at", "assigned_at"),
    "review_rounds": _section(
        "SELECT r.id, v.deliverable_id, v.number, r.number, r.decision, r.opened_at, "
        "r.decided_at FROM review_rounds r JOIN versions v ON v.id = r.version_id "
        "WHERE r.reviewer_id = :m ORDER BY r.id",
        "round_id deliverable_id version round decision opened_at decided_at",
        "opened_at decided_at"),
    "comments_written": _section(
        "SELECT id, round_id, text, language, created_at FROM comments WHERE author_id = :m "
        "ORDER BY id", "comment_id round_id text language created_at", "created_at"),
    "help_requests": _section(
        "SELECT id, team_id, text, language, status, created_at, closed_at, urgent "
        "FROM help_requests WHERE asker_id = :m ORDER BY id",
        "request_id team_id text language status created_at closed_at urgent",
        "created_at closed_at"),
    "help_messages_written": _section(
        "SELECT id, request_id, text, language, created_at FROM help_messages "
        "WHERE author_id = :m ORDER BY id",
        "message_id request_id text language created_at", "created_at"),
    "question_in_progress": _section(
        "SELECT flow, step, data, updated_at FROM conversations WHERE member_id = :m",
        "command step answers_so_far updated_at", "updated_at", "answers_so_far"),
    "messages_to_you": _section(
        f"SELECT id, created_at, sent_at, status, language, text, context, context_id, "
        f"attachments FROM outbox WHERE {PERSONAL_ROWS} ORDER BY id",
        "message_id created_at sent_at status language text about about_id files",
        "created_at sent_at", "files"),
    "words_relayed_to_others": _section(
        "SELECT MIN(id), created_at, context, context_id, CAST(pieces AS TEXT) FROM outbox "
        "WHERE author_id = :m GROUP BY created_at, context, context_id, CAST(pieces AS TEXT) "
        "ORDER BY MIN(id)", "first_message_id created_at about about_id quoted",
        "created_at", "quoted"),
    "follow_ups": _section(
        "SELECT rule, item_id, stage, sent_on, sent_at, snoozed_until FROM nags "
        "WHERE member_id = :m ORDER BY sent_at", "rule item_id stage sent_on sent_at "
        "snoozed_until", "sent_at snoozed_until"),
    "event_invitations": _section(
        "SELECT e.id, e.title, e.starts_at, i.answer, i.invited_at, i.answered_at "
        "FROM event_invitations i JOIN events e ON e.id = i.event_id WHERE i.member_id = :m "
        "ORDER BY e.starts_at", "event_id title starts_at answer invited_at answered_at",
        "starts_at invited_at answered_at"),
    "events_organised": _section(
        "SELECT id, title, starts_at, status FROM events WHERE organiser_id = :m ORDER BY id",
        "event_id title starts_at status", "starts_at"),
    "broadcasts_sent": _section(
        "SELECT id, text, language, audience, schedule, status, recipients, created_at "
        "FROM broadcasts WHERE sender_id = :m ORDER BY id",
        "broadcast_id text language audience schedule status recipients created_at",
        "created_at", "audience"),
    "broadcasts_waiting_for_you": _section(
        "SELECT broadcast_id, due_at FROM broadcast_waits WHERE member_id = :m",
        "broadcast_id due_at", "due_at"),
    "team_groups_linked": _section(
        "SELECT team_id, platform, title, requested_at, linked_at FROM team_groups "
        "WHERE requested_by = :m ORDER BY id",
        "team_id platform title requested_at linked_at", "requested_at linked_at"),
    "link_code": _section(
        "SELECT expires_at FROM link_codes WHERE member_id = :m", "expires_at", "expires_at"),
    "wrong_link_codes": _section(
        "SELECT failures, last_at FROM link_guesses WHERE member_id = :m",
        "failures last_at", "last_at"),
    "unreachable_accounts": _section(
        "SELECT identity, platform, error, since FROM unreachable_identities "
        "WHERE member_id = :m", "account platform error since", "since"),
    "undeliverable_messages": _section(
        "SELECT outbox_id, platform, error, attempts, created_at FROM dead_letters "
        "WHERE member_id = :m AND identity IN (SELECT identity FROM identities "
        "WHERE member_id = :m) ORDER BY id", "message_id platform error attempts created_at",
        "created_at"),
    "audit_entries": _section(
        "SELECT id, at, kind, CASE WHEN actor_id = :m THEN 'by you' WHEN subject_id = :m "
        "THEN 'about you' ELSE 'naming you' END, details FROM audit_log WHERE actor_id = :m "
        "OR subject_id = :m OR other_id = :m ORDER BY id",
        "entry_id at kind you details", "at", "details"),
}


class SqlPersonalData:
    """The ``PersonalData`` port on one unit of work."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def collect(self, member_id: int) -> dict[str, Records]:
        """Every record about the member, by section, with JSON-ready values."""
        found = {name: self._records(section, member_id) for name, section in SECTIONS.items()}
        for message in found["messages_to_you"]:  # file names, not where the bytes are kept
            message["files"] = [file.get("name") for file in message["files"] or []]
        return found

    def forget(self, how: Forgetting) -> Forgotten:
        """Delete or anonymise the member's personal data (``storage/forgetting.py``)."""
        return forgetting.forget(self.sql, how, PERSONAL_ROWS)

    def tidy_farewells(self) -> int:
        """Empty the goodbye messages sent to forgotten members."""
        return forgetting.tidy_farewells(self.sql)

    def _records(self, section: Section, member_id: int) -> Records:
        rows = self.sql.rows(section.query, {"m": member_id})
        return [{name: self._value(name, value, section) for name, value
                 in zip(section.columns, row, strict=True)} for row in rows]

    def _value(self, name: str, value: Any, section: Section) -> Any:
        if value is None:
            return None
        if name in section.times:
            return self.sql.read_time(value).isoformat()
        if name in section.json:
            return self.sql.read_json(value)
        if isinstance(value, datetime):
            return value.isoformat()
        return value

