"""The help desk's vocabulary: languages, roles, regions, members, teams and help requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple


class Language(StrEnum):
    """The four languages of the programme."""

    EN = "en"
    PT = "pt"
    ES = "es"
    FR = "fr"


LANGUAGE_NAMES: dict[Language, str] = {
    Language.EN: "English",
    Language.PT: "Português",
    Language.ES: "Español",
    Language.FR: "Français",
}


def language_from_locale(locale: str | None) -> Language | None:
    """The programme language a platform locale (``pt-BR``, ``fr_FR``) points to, if any."""
    if not locale:
        return None
    prefix = locale.replace("_", "-").split("-", 1)[0].lower()
    try:
        return Language(prefix)
    except ValueError:
        return None


def parse_number(text: str) -> int | None:
    """A record number typed or carried by a button (``12``, ``#12``); None when it is not one."""
    digits = text.strip().removeprefix("#")
    if not digits.isdecimal() or len(digits) > 9:
        return None
    return int(digits)


class Role(StrEnum):
    """Programme-wide roles a coordinator grants (team roles are leader/co-leader/member)."""

    COORDINATOR = "coordinator"
    REVIEWER = "reviewer"
    OBSERVER = "observer"


class TeamRole(StrEnum):
    """A member's place inside their team."""

    LEADER = "leader"
    COLEADER = "coleader"
    MEMBER = "member"


class Region(StrEnum):
    """Regional clusters a team belongs to."""

    WEST_AFRICA = "west"
    EAST_AFRICA = "east"
    SOUTHERN_AFRICA = "southern"
    CENTRAL_AFRICA = "central"
    NORTH_AFRICA = "north"
    LATIN_AMERICA = "latam"
    OTHER = "other"


class TeamStatus(StrEnum):
    """Where a team is in its approval."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class RequestStatus(StrEnum):
    """Whether a help request still needs attention."""

    OPEN = "open"
    CLOSED = "closed"


class Member(NamedTuple):
    """One person, whatever platforms they reach the bot from.

    (A named tuple rather than a frozen dataclass: every message loads several members, and a
    tuple is built more than twice as fast.)
    """

    id: int
    name: str
    language: Language
    timezone: str
    identity: str
    roles: frozenset[Role] = frozenset()
    # What others write reaches this member translated (False: always the original).
    auto_translate: bool = True
    # Plain text this member writes goes to their team (``/teamchat on``).
    team_chat: bool = False

    def has(self, role: Role) -> bool:
        """Whether this member holds a programme-wide role."""
        return role in self.roles

    @property
    def is_coordinator(self) -> bool:
        """Coordinators run the help desk."""
        return Role.COORDINATOR in self.roles


class Team(NamedTuple):
    """A project team."""

    id: int
    name: str
    topic: str
    region: Region
    join_code: str
    status: TeamStatus
    leader_id: int | None
    co_leader_id: int | None
    created_at: datetime

    def role_of(self, member_id: int) -> TeamRole:
        """The team role of one of its members."""
        if member_id == self.leader_id:
            return TeamRole.LEADER
        if member_id == self.co_leader_id:
            return TeamRole.COLEADER
        return TeamRole.MEMBER


@dataclass(frozen=True, slots=True)
class HelpRequest:
    """A question to the help desk (a ticket)."""

    id: int
    asker_id: int
    team_id: int | None
    text: str
    language: Language
    status: RequestStatus
    created_at: datetime
    # Unanswered far too long (the follow-ups mark it); listed first.
    urgent: bool = False


class Task(NamedTuple):
    """One line of a team's terms of reference."""

    id: int
    team_id: int
    title: str
    output: str
    due_date: date
    due_at: datetime  # the end of the due date in the team's time zone, in UTC
    funds_share: int | None  # percent of the funds released when the output is accepted
    responsible: tuple[int, ...]
    done: bool = False

    @property
    def code(self) -> str:
        """How people refer to a task: ``T7``."""
        return f"T{self.id}"


class DeliverableStatus(StrEnum):
    """Where a deliverable is in its review."""

    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"


class Deliverable(NamedTuple):
    """What a team hands in for one task; each upload is a new version of it."""

    id: int
    team_id: int
    task_id: int
    status: DeliverableStatus
    created_at: datetime

    @property
    def code(self) -> str:
        """How people refer to it: ``D7``."""
        return f"D{self.id}"


class Version(NamedTuple):
    """One uploaded file of a deliverable."""

    id: int
    deliverable_id: int
    number: int
    sha256: str
    filename: str
    size: int
    kind: str
    submitted_by: int
    submitted_at: datetime
    # What the team said changed (the file's caption), in the language it was written in.
    note: str = ""
    note_language: Language | None = None


class ReviewerProfile(NamedTuple):
    """The languages a reviewer reads and the topics they know."""

    member_id: int
    languages: frozenset[Language]
    topics: tuple[str, ...]


class Candidate(NamedTuple):
    """A reviewer as assignment sees them."""

    member: Member
    profile: ReviewerProfile | None
    open_reviews: int
    last_assigned: datetime | None


class Round(NamedTuple):
    """One reviewer's pass over one version."""

    id: int
    version_id: int
    reviewer_id: int
    number: int
    decision: str | None


class Comment(NamedTuple):
    """A reviewer's comment on a version, or a team member's answer to one."""

    id: int
    round_id: int
    author_id: int
    text: str
    language: Language
    created_at: datetime


class TaskState(NamedTuple):
    """Where one task of one team stands: its deliverable, version, round and reviewers."""

    task_id: int
    team_id: int
    team: str
    region: Region
    title: str
    due_date: date
    done: bool
    zone: str | None  # the team's time zone (its leader's), if it has a leader
    deliverable_id: int | None
    status: DeliverableStatus | None
    version: int | None
    round: int | None
    reviewers: tuple[str, ...]


class QueueItem(NamedTuple):
    """A version waiting for one reviewer's decision."""

    round_id: int
    deliverable_id: int
    version: int
    round: int
    team: str
    task_id: int
    title: str
    opened_at: datetime


class Contact(NamedTuple):
    """Where and in which language to reach a member."""

    member_id: int
    identity: str
    language: Language
    translate: bool = True


@dataclass(frozen=True, slots=True)
class PendingStep:
    """A half-finished guided command: which flow, which step, what was answered so far."""

    flow: str
    step: str
    data: dict[str, str]
    asked_at: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class SentMessage:
    """What a message the bot sent was about (found again when someone replies to it)."""

    member_id: int
    context: str | None
    context_id: int | None
    # Its number in the outbox (what ``/original N`` and ``/tr`` refer to).
    outbox_id: int | None = None
