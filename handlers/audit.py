"""The audit log: who granted or took away a role, approved or rejected a team, gave a
deliverable to a reviewer, sent a broadcast or deleted someone's personal data, and when.

Each use case records its entry with :func:`record`, in the same unit of work as the action
itself (both are stored, or neither). Coordinators read the log with ``/audit``
(``handlers/audit_view.py``).
"""

from __future__ import annotations

from datetime import datetime

from handlers.domain import Member
from handlers.ports import UnitOfWork
from handlers.privacy_ports import AuditEntry, AuditKind, Person
from handlers.turn import Turn

Details = str | int | bool


def person(member: Member | Person) -> Person:
    """Someone as the log names them: number, and name now."""
    return Person(member.id, member.name)


def record(turn: Turn, kind: AuditKind, *, subject: Member | Person | None = None,
           other: Member | Person | None = None, **details: Details) -> None:
    """Record what the sender just did, in the turn's unit of work."""
    turn.uow.audit.add(AuditEntry(kind, turn.now, person(turn.sender),
                                  person(subject) if subject is not None else None,
                                  person(other) if other is not None else None, details))


def record_configured(uow: UnitOfWork, member: Member, now: datetime) -> None:
    """Record that the configuration (``[helpdesk] coordinators``) made someone coordinator."""
    uow.audit.add(AuditEntry(AuditKind.ROLE_GRANTED, now, None, person(member),
                             details={"role": "coordinator"}))
