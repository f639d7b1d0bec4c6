"""In-memory fakes of the audit log and of a member's personal data (``handlers.privacy_ports``),
over the fake store's state.

They follow ``storage/audit.py``, ``storage/personal_data.py`` and ``storage/forgetting.py`` on
what the fake store holds (members, accounts, roles, teams, tasks, deliverables, reviews, help
requests, pending questions, the outbox); an outbox entry counts as delivered once the fake
dispatcher gave it a platform message id.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from handlers.domain import Language
from handlers.privacy_ports import (
    FAREWELL,
    AuditEntry,
    ForgetMode,
    Forgetting,
    Forgotten,
    Person,
    Records,
)

if TYPE_CHECKING:  # the fake store imports this module
    from tests.unit.fake_store import FakeUnitOfWork, OutboxEntry, State

_HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


class FakeAudit:
    """The ``Audit`` port in memory."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def add(self, entry: AuditEntry) -> None:
        state = self._uow.state
        state.audit.append(entry._replace(id=state.next_id("audit")))

    def latest(self, limit: int) -> list[AuditEntry]:
        return list(reversed(self._uow.state.audit))[:limit]


def _named(person: Person | None, member_id: int, name: str) -> Person | None:
    return person._replace(name=name) if person is not None and person.id == member_id \
        else person


class FakePersonalData:
    """The ``PersonalData`` port in memory."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _s(self) -> State:
        return self._uow.state

    def collect(self, member_id: int) -> dict[str, Records]:
        s = self._s
        record = s.members[member_id]
        team = s.memberships.get(member_id)
        return {
            "member": [{"id": record.id, "name": record.name,
                        "language": record.language.value, "timezone": record.timezone,
                        "created_at": record.created_at.isoformat()}],
            "accounts": [{"account": identity} for identity, owner in s.identities.items()
                         if owner == member_id],
            "roles": [{"role": role.value, "granted_at": at.isoformat()}
                      for (owner, role), (_by, at) in s.roles.items() if owner == member_id],
            "team": [{"team_id": team[0], "team": s.teams[team[0]].name}] if team else [],
            "tasks_responsible_for": [{"task_id": t.id, "title": t.title}
                                      for t in s.tasks.values() if member_id in t.responsible],
            "files_uploaded": [{"deliverable_id": v.deliverable_id, "version": v.number,
                                "file_name": v.filename} for v in s.versions
                               if v.submitted_by == member_id],
            "comments_written": [{"comment_id": c.id, "text": c.text} for c in s.comments
                                 if c.author_id == member_id],
            "help_requests": [{"request_id": r.id, "text": r.text}
                              for r in s.requests.values() if r.asker_id == member_id],
            "help_messages_written": [{"request_id": m.request_id, "text": m.text}
                                      for m in s.help_messages if m.author_id == member_id],
            "messages_to_you": [{"message_id": e.id, "text": e.row.text}
                                for e in s.outbox if e.row.member_id == member_id],
            "words_relayed_to_others": [{"quoted": [p.text for p in e.row.pieces]}
                                        for e in s.outbox if e.row.author_id == member_id],
            "audit_entries": [{"entry_id": a.id, "kind": a.kind.value}
                              for a in s.audit if member_id in _people(a)],
        }

    def forget(self, how: Forgetting) -> Forgotten:
        s, m = self._s, how.member_id
        name = s.members[m].name
        accounts = {identity for identity, owner in s.identities.items() if owner == m}
        candidates = _hashes([*(_attachments(e) for e in s.outbox if e.row.member_id == m),
                              repr(s.conversations.get(m))])
        kept: list[OutboxEntry] = []
        for entry in s.outbox:
            row = entry.row
            delivered = entry.platform_message_id is not None
            if row.member_id == m and not delivered:
                continue
            if row.author_id == m and how.mode == ForgetMode.DELETE and not delivered:
                continue
            if row.member_id == m:
                row = row._replace(identity="", chat_id=None, text="", template=None, pieces=(),
                                   buttons=[], attachments=())
            elif row.author_id == m and how.mode == ForgetMode.DELETE:
                row = row._replace(text="", template=None, pieces=())
            kept.append(replace(entry, row=_renamed(row, name, how.placeholder),
                                sent_chat_id=None if row.member_id == m
                                else entry.sent_chat_id))
        s.outbox = kept
        if how.mode == ForgetMode.DELETE:
            gone = {r.id for r in s.requests.values() if r.asker_id == m}
            s.requests = {k: r for k, r in s.requests.items() if k not in gone}
            s.help_messages = [h for h in s.help_messages
                               if h.author_id != m and h.request_id not in gone]
        s.identities = {i: o for i, o in s.identities.items() if i not in accounts}
        s.roles = {k: v for k, v in s.roles.items() if k[0] != m}
        s.memberships.pop(m, None)
        s.conversations.pop(m, None)
        s.profiles.pop(m, None)
        s.tasks = {k: t._replace(responsible=tuple(r for r in t.responsible if r != m))
                   for k, t in s.tasks.items()}
        s.teams = {k: t._replace(leader_id=None if t.leader_id == m else t.leader_id,
                                 co_leader_id=None if t.co_leader_id == m else t.co_leader_id)
                   for k, t in s.teams.items()}
        s.assignments = [replace(a, active=False) if a.reviewer_id == m else a
                         for a in s.assignments]
        s.audit = [a._replace(actor=_named(a.actor, m, how.placeholder),
                              subject=_named(a.subject, m, how.placeholder),
                              other=_named(a.other, m, how.placeholder)) for a in s.audit]
        s.members[m] = replace(s.members[m], name=how.placeholder, identity="",
                               language=Language(how.language), timezone=how.timezone,
                               auto_translate=True, team_chat=False)
        referenced = {v.sha256 for v in s.versions} | _hashes(
            [*(_attachments(e) for e in s.outbox), repr(s.conversations)])
        return Forgotten(sorted(candidates - referenced), {})

    def tidy_farewells(self) -> int:
        emptied = 0
        for index, entry in enumerate(self._s.outbox):
            if entry.row.context == FAREWELL and entry.row.identity \
                    and entry.platform_message_id is not None:
                row = entry.row._replace(identity="", chat_id=None, text="")
                self._s.outbox[index] = replace(entry, row=row, sent_chat_id=None)
                emptied += 1
        return emptied


def _people(entry: AuditEntry) -> set[int]:
    return {p.id for p in (entry.actor, entry.subject, entry.other) if p is not None}


def _attachments(entry: OutboxEntry) -> str:
    return " ".join(a.location or "" for a in entry.row.attachments)


def _hashes(texts: list[str]) -> set[str]:
    return {found for text in texts for found in _HASH.findall(text)}


def _renamed(row: Any, name: str, placeholder: str) -> Any:
    """An outbox row with a name replaced as a whole word (as ``storage/forgetting.py``)."""
    word = re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)")
    template = word.sub(placeholder, row.template) if row.template is not None else None
    return row._replace(text=word.sub(placeholder, row.text), template=template)
