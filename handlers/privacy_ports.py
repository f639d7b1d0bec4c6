"""The ports privacy and accountability talk through: the audit log, and a member's personal
data gathered for ``/export`` or deleted for ``/forget``.

Implemented in ``storage/audit.py`` and ``storage/personal_data.py`` (SQL), and in memory in
``tests/unit/fake_store.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

# What a goodbye message to a forgotten member is about: emptied once it is sent (the one
# outbox row that still names their account; see ``PersonalData.tidy_farewells``).
FAREWELL = "forgotten"


class AuditKind(StrEnum):
    """What an audit entry records."""

    ROLE_GRANTED = "role_granted"
    ROLE_REVOKED = "role_revoked"
    TEAM_APPROVED = "team_approved"
    TEAM_REJECTED = "team_rejected"
    REVIEWER_ASSIGNED = "reviewer_assigned"
    BROADCAST_SENT = "broadcast_sent"
    MEMBER_FORGOTTEN = "member_forgotten"


class Person(NamedTuple):
    """Someone an audit entry names: their member number and their name at the time."""

    id: int
    name: str


class AuditEntry(NamedTuple):
    """One line of the audit log: who did what to whom, when.

    People appear only in ``actor``, ``subject`` and ``other`` (so that forgetting someone
    finds every place their name is kept); ``details`` holds the rest (a role, a team's name,
    a deliverable's code, a broadcast's number and audience), never a person's name.
    """

    kind: AuditKind
    at: datetime
    actor: Person | None  # None: the configuration (config.toml), not a person
    subject: Person | None = None
    other: Person | None = None  # a second person (the reviewer someone replaced)
    details: Mapping[str, str | int | bool] = {}
    id: int = 0  # given by the log when the entry is stored


class Audit(Protocol):
    """The audit log: written with the action it records, read by coordinators."""

    def add(self, entry: AuditEntry) -> None:
        """Record one entry (in the caller's transaction)."""
        ...

    def latest(self, limit: int) -> list[AuditEntry]:
        """The newest entries, newest first."""
        ...


class ForgetMode(StrEnum):
    """What ``/forget`` does with what a member wrote to other people."""

    ANONYMISE = "anonymise"  # kept, signed with the placeholder instead of their name
    DELETE = "delete"  # removed


class Forgetting(NamedTuple):
    """How to forget one member: the name that replaces theirs, what becomes of their words,
    and the language and time zone their emptied record takes."""

    member_id: int
    placeholder: str
    mode: ForgetMode
    language: str
    timezone: str


class Forgotten(NamedTuple):
    """What forgetting a member removed: the stored files (by sha256) nothing else refers to
    any more, to delete from the file store once the transaction is committed, and how many
    records of each kind were deleted or anonymised (for the audit log)."""

    files: Sequence[str]
    counts: Mapping[str, int]


# A JSON-ready section of an export: one dict per stored record.
Records = list[dict[str, Any]]


class PersonalData(Protocol):
    """Everything stored about one member, to hand to them or to delete."""

    def collect(self, member_id: int) -> dict[str, Records]:
        """Every record about the member, by section (``member``, ``identities``, ``roles``…),
        with JSON-ready values (times in ISO 8601, UTC); another member appears only by
        number, never with their name or words."""
        ...

    def forget(self, how: Forgetting) -> Forgotten:
        """Delete the member's personal data (identities, roles, membership, pending
        messages, reminders, answers to invitations…), empty their record (name replaced, no
        account left: the platform accounts are strangers to the bot afterwards), and delete
        or anonymise what they wrote as ``how.mode`` says. What belongs to a team (deliverables,
        reviews) or to the programme (broadcasts, events) stays, attributed to the emptied
        record."""
        ...

    def tidy_farewells(self) -> int:
        """Empty the goodbye messages sent to forgotten members (delivered or given up on):
        the one place their account was still written; how many were emptied."""
        ...
