"""In-memory fakes of the core's ports: the store, the repositories and the unit of work.

``FakeStore`` holds the committed state. Each ``FakeUnitOfWork`` works on a copy of it taken on
``__enter__``; ``commit`` swaps the copy in, ``rollback`` (or leaving the ``with`` block without
committing) throws it away. Every stored record is immutable, so copying the containers is
enough to isolate a transaction.

The semantics follow the ``handlers.ports`` docstrings and, where those are silent, the SQL
implementations in ``storage/`` (names compared case-folded with spaces collapsed, a rejected
proposal frees its team name, at most one team per member, ...).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from handlers.audience import Audiences
from handlers.broadcast_ports import Broadcasts
from handlers.domain import (
    Candidate,
    Comment,
    Contact,
    Deliverable,
    DeliverableStatus,
    HelpRequest,
    Language,
    Member,
    PendingStep,
    QueueItem,
    Region,
    RequestStatus,
    ReviewerProfile,
    Role,
    Round,
    SentMessage,
    Task,
    TaskState,
    Team,
    TeamStatus,
    Version,
)
from handlers.event_ports import Events
from handlers.followup_ports import Followups
from handlers.link_ports import Links
from handlers.ports import OutboxRow, QuotedMessage
from handlers.privacy_ports import AuditEntry
from handlers.team_group_ports import TeamGroup
from tests.unit.fake_privacy import FakeAudit, FakePersonalData

T = TypeVar("T")

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def name_key(name: str) -> str:
    """How names are compared: case-folded, spaces collapsed (as in storage)."""
    return " ".join(name.split()).casefold()


# ---------------------------------------------------------------------------------------------
# Stored records (immutable) and the state of the whole store.


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """A member as stored (roles are kept apart, as in SQL)."""

    id: int
    name: str
    language: Language
    timezone: str
    identity: str
    created_at: datetime
    auto_translate: bool = True
    team_chat: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """A coordinator's approval or rejection of a team."""

    approved: bool
    by: int
    at: datetime


@dataclass(frozen=True, slots=True)
class HelpMessage:
    """An answer or a follow-up on a help request."""

    request_id: int
    author_id: int
    text: str
    language: Language
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One outbox row with what the (fake) dispatcher recorded after sending it."""

    id: int
    row: OutboxRow
    sent_chat_id: str | None = None
    platform_message_id: str | None = None

    @property
    def platform(self) -> str:
        """The platform of the recipient's identity."""
        return self.row.identity.split(":", 1)[0]


@dataclass
class State:
    """Everything stored; copied container by container for each unit of work."""

    members: dict[int, MemberRecord] = field(default_factory=dict)
    identities: dict[str, int] = field(default_factory=dict)
    roles: dict[tuple[int, Role], tuple[int | None, datetime]] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)
    decisions: dict[int, Decision] = field(default_factory=dict)
    memberships: dict[int, tuple[int, datetime]] = field(default_factory=dict)
    requests: dict[int, HelpRequest] = field(default_factory=dict)
    closed_by: dict[int, tuple[int, datetime]] = field(default_factory=dict)
    help_messages: list[HelpMessage] = field(default_factory=list)
    conversations: dict[int, tuple[PendingStep, datetime]] = field(default_factory=dict)
    outbox: list[OutboxEntry] = field(default_factory=list)
    sequences: dict[str, int] = field(default_factory=dict)
    tasks: dict[int, Task] = field(default_factory=dict)
    deliverables: dict[int, Deliverable] = field(default_factory=dict)
    versions: list[Version] = field(default_factory=list)
    profiles: dict[int, ReviewerProfile] = field(default_factory=dict)
    assignments: list[Assignment] = field(default_factory=list)
    rounds: dict[int, Round] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    activity: dict[int, datetime] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)

    def copy(self) -> State:
        """A copy whose containers can change without touching this one."""
        return State(dict(self.members), dict(self.identities), dict(self.roles),
                     dict(self.teams), dict(self.decisions), dict(self.memberships),
                     dict(self.requests), dict(self.closed_by), list(self.help_messages),
                     dict(self.conversations), list(self.outbox), dict(self.sequences),
                     dict(self.tasks), dict(self.deliverables), list(self.versions),
                     dict(self.profiles), list(self.assignments), dict(self.rounds),
                     list(self.comments), dict(self.activity), list(self.audit))

    def next_id(self, sequence: str) -> int:
        """The next id of a sequence (1, 2, 3, ...)."""
        self.sequences[sequence] = self.sequences.get(sequence, 0) + 1
        return self.sequences[sequence]


class FakeStore:
    """The committed state, shared by every unit of work made from it."""

    def __init__(self) -> None:
        self.state = State()
        self.commits = 0

    def unit_of_work(self) -> FakeUnitOfWork:
        """A new unit of work over this store (what ``HelpDesk.unit_of_work`` calls)."""
        return FakeUnitOfWork(self)

    def mark_sent(self, entry_id: int, chat_id: str, platform_message_id: str) -> None:
        """What the dispatcher records after a send (in its own transaction)."""
        self.state.outbox = [
            replace(e, sent_chat_id=chat_id, platform_message_id=platform_message_id)
            if e.id == entry_id else e
            for e in self.state.outbox
        ]


# ---------------------------------------------------------------------------------------------
# The repositories.


class _Repo:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _s(self) -> State:
        return self._uow.state


class FakeMembers(_Repo):
    """The ``Members`` port in memory."""

    def _member(self, record: MemberRecord) -> Member:
        roles = frozenset(role for (member_id, role) in self._s.roles if member_id == record.id)
        return Member(record.id, record.name, record.language, record.timezone, record.identity,
                      roles, record.auto_translate, record.team_chat)

    def _record(self, member_id: int) -> MemberRecord:
        record = self._s.members.get(member_id)
        if record is None:
            raise KeyError(f"no member {member_id}")
        return record

    def identities(self, member_id: int) -> list[str]:
        return [identity for identity, owner in self._s.identities.items() if owner == member_id]

    def by_identity(self, identity: str) -> Member | None:
        member_id = self._s.identities.get(identity)
        return self.get(member_id) if member_id is not None else None

    def get(self, member_id: int) -> Member | None:
        record = self._s.members.get(member_id)
        return self._member(record) if record is not None else None

    def add(self, name: str, identity: str, language: Language, timezone: str,
            now: datetime) -> Member:
        if identity in self._s.identities:
            raise ValueError(f"identity {identity} is already registered")
        record = MemberRecord(self._s.next_id("members"), name, language, timezone, identity, now)
        self._s.members[record.id] = record
        self._s.identities[identity] = record.id
        return self._member(record)

    def use_identity(self, member_id: int, identity: str) -> None:
        self._s.members[member_id] = replace(self._record(member_id), identity=identity)

    def set_language(self, member_id: int, language: Language) -> None:
        self._s.members[member_id] = replace(self._record(member_id), language=language)

    def set_timezone(self, member_id: int, timezone: str) -> None:
        self._s.members[member_id] = replace(self._record(member_id), timezone=timezone)

    def find_by_name(self, name: str) -> list[Member]:
        key = name_key(name)
        if not key:
            return []
        # A forgotten member (no account left) is never found by name, as in storage.
        records = sorted((r for r in self._s.members.values() if r.identity),
                         key=lambda r: r.id)
        exact = [r for r in records if name_key(r.name) == key]
        found = exact or [r for r in records if name_key(r.name).startswith(key)][:20]
        return [self._member(r) for r in found]

    def with_role(self, role: Role) -> list[Member]:
        ids = sorted(member_id for (member_id, held) in self._s.roles if held == role)
        return [self._member(self._s.members[i]) for i in ids]

    def grant(self, member_id: int, role: Role, by: int | None, now: datetime) -> bool:
        self._record(member_id)
        if (member_id, role) in self._s.roles:
            return False
        self._s.roles[(member_id, role)] = (by, now)
        return True

    def revoke(self, member_id: int, role: Role) -> bool:
        return self._s.roles.pop((member_id, role), None) is not None

    def contacts(self, member_ids: Iterable[int]) -> dict[int, Contact]:
        found: dict[int, Contact] = {}
        for member_id in member_ids:
            record = self._s.members.get(member_id)
            if record is not None and record.identity:  # forgotten: nobody to reach
                found[member_id] = Contact(member_id, record.identity, record.language,
                                           record.auto_translate)
        return found

    def set_auto_translate(self, member_id: int, on: bool) -> None:
        self._s.members[member_id] = replace(self._record(member_id), auto_translate=on)

    def set_team_chat(self, member_id: int, on: bool) -> None:
        self._s.members[member_id] = replace(self._record(member_id), team_chat=on)


class FakeTeams(_Repo):
    """The ``Teams`` port in memory."""

    def touch(self, team_id: int, now: datetime) -> None:
        self._s.activity[team_id] = now

    def _team(self, team_id: int) -> Team:
        team = self._s.teams.get(team_id)
        if team is None:
            raise KeyError(f"no team {team_id}")
        return team

    def add(self, name: str, topic: str, region: Region, join_code: str, leader_id: int,
            approved: bool, now: datetime) -> Team:
        if self.by_name(name) is not None:
            raise ValueError(f"team name {name!r} is taken")  # the unique index in SQL
        if self.code_taken(join_code):
            raise ValueError(f"join code {join_code!r} is taken")
        status = TeamStatus.APPROVED if approved else TeamStatus.PENDING
        team = Team(self._s.next_id("teams"), name, topic, region, join_code, status, leader_id,
                    None, now)
        self._s.teams[team.id] = team
        self.add_member(team.id, leader_id, now)
        return team

    def get(self, team_id: int) -> Team | None:
        return self._s.teams.get(team_id)

    def by_name(self, name: str) -> Team | None:
        # As in storage: a rejected proposal frees its name for another try.
        key = name_key(name)
        for team in sorted(self._s.teams.values(), key=lambda t: t.id):
            if name_key(team.name) == key and team.status != TeamStatus.REJECTED:
                return team
        return None

    def by_code(self, code: str) -> Team | None:
        wanted = code.strip().upper()
        return next((t for t in self._s.teams.values() if t.join_code.upper() == wanted), None)

    def code_taken(self, code: str) -> bool:
        return any(t.join_code == code for t in self._s.teams.values())

    def of_member(self, member_id: int) -> Team | None:
        membership = self._s.memberships.get(member_id)
        return self._s.teams[membership[0]] if membership is not None else None

    def members(self, team_id: int) -> list[Member]:
        listed = sorted(((joined, member_id) for member_id, (tid, joined)
                         in self._s.memberships.items() if tid == team_id))
        found: list[Member] = []
        for _joined, member_id in listed:
            member = FakeMembers(self._uow).get(member_id)
            assert member is not None
            found.append(member)
        return found

    def add_member(self, team_id: int, member_id: int, now: datetime) -> None:
        self._team(team_id)
        if member_id not in self._s.members:
            raise KeyError(f"no member {member_id}")
        if member_id in self._s.memberships:  # the primary key in SQL: one team per member
            raise ValueError(f"member {member_id} is already in a team")
        self._s.memberships[member_id] = (team_id, now)

    def remove_member(self, team_id: int, member_id: int) -> None:
        membership = self._s.memberships.get(member_id)
        if membership is not None and membership[0] == team_id:
            del self._s.memberships[member_id]
        team = self._team(team_id)
        self._s.teams[team_id] = team._replace(
            leader_id=None if team.leader_id == member_id else team.leader_id,
            co_leader_id=None if team.co_leader_id == member_id else team.co_leader_id)

    def delete(self, team_id: int) -> None:
        if any(team == team_id for team, _joined in self._s.memberships.values()):
            raise ValueError(f"team {team_id} still has members")  # a foreign key would refuse
        self._s.teams.pop(team_id, None)
        self._s.decisions.pop(team_id, None)

    def set_leaders(self, team_id: int, leader_id: int | None, co_leader_id: int | None) -> None:
        self._s.teams[team_id] = self._team(team_id)._replace(leader_id=leader_id,
                                                              co_leader_id=co_leader_id)

    def decide(self, team_id: int, approved: bool, by: int, now: datetime) -> bool:
        if self._team(team_id).status != TeamStatus.PENDING:
            return False
        status = TeamStatus.APPROVED if approved else TeamStatus.REJECTED
        self._s.teams[team_id] = self._team(team_id)._replace(status=status)
        self._s.decisions[team_id] = Decision(approved, by, now)
        return True

    def all(self) -> list[Team]:
        return sorted(self._s.teams.values(), key=lambda t: (name_key(t.name), t.id))

    def member_counts(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for team_id, _joined in self._s.memberships.values():
            counts[team_id] = counts.get(team_id, 0) + 1
        return counts


class FakeHelpRequests(_Repo):
    """The ``HelpRequests`` port in memory."""

    def open(self, asker_id: int, team_id: int | None, text: str, language: Language,
             now: datetime) -> HelpRequest:
        request = HelpRequest(self._s.next_id("requests"), asker_id, team_id, text, language,
                              RequestStatus.OPEN, now)
        self._s.requests[request.id] = request
        return request

    def get(self, request_id: int) -> HelpRequest | None:
        return self._s.requests.get(request_id)

    def add_message(self, request_id: int, author_id: int, text: str, language: Language,
                    now: datetime) -> None:
        if request_id not in self._s.requests:
            raise KeyError(f"no request {request_id}")
        self._s.help_messages.append(HelpMessage(request_id, author_id, text, language, now))

    def set_status(self, request_id: int, open_: bool, by: int, now: datetime) -> None:
        request = self._s.requests[request_id]
        status = RequestStatus.OPEN if open_ else RequestStatus.CLOSED
        self._s.requests[request_id] = replace(request, status=status)
        if open_:
            self._s.closed_by.pop(request_id, None)
        else:
            self._s.closed_by[request_id] = (by, now)

    def participants(self, request_id: int) -> set[int]:
        return {m.author_id for m in self._s.help_messages if m.request_id == request_id}

    def open_requests(self) -> list[HelpRequest]:
        return sorted((r for r in self._s.requests.values() if r.status == RequestStatus.OPEN),
                      key=lambda r: (r.created_at, r.id))

    def asked_by(self, member_id: int) -> list[HelpRequest]:
        mine = [r for r in self._s.requests.values() if r.asker_id == member_id]
        mine.sort(key=lambda r: (r.status != RequestStatus.OPEN, -r.id))
        return mine[:50]


class FakeTasks(_Repo):
    """The ``Tasks`` port in memory."""

    def add(self, team_id: int, title: str, output: str, due_date: date, due_at: datetime,
            funds_share: int | None, responsible: Sequence[int], by: int,
            now: datetime) -> Task:
        task = Task(self._s.next_id("tasks"), team_id, title, output, due_date, due_at,
                    funds_share, tuple(sorted(set(responsible))))
        self._s.tasks[task.id] = task
        return task

    def get(self, task_id: int) -> Task | None:
        return self._s.tasks.get(task_id)

    def of_team(self, team_id: int) -> list[Task]:
        return sorted((t for t in self._s.tasks.values() if t.team_id == team_id),
                      key=lambda t: (t.due_at, t.id))

    def change(self, task_id: int, *, title: str | None = None, output: str | None = None,
               due: tuple[date, datetime] | None = None, funds_share: int | None = None,
               clear_share: bool = False, responsible: Sequence[int] | None = None) -> None:
        task = self._s.tasks[task_id]
        if title is not None:
            task = task._replace(title=title)
        if output is not None:
            task = task._replace(output=output)
        if due is not None:
            task = task._replace(due_date=due[0], due_at=due[1])
        if funds_share is not None or clear_share:
            task = task._replace(funds_share=funds_share)
        if responsible is not None:
            task = task._replace(responsible=tuple(sorted(set(responsible))))
        self._s.tasks[task_id] = task

    def remove(self, task_id: int) -> None:
        # As the foreign keys cascade in SQL: the deliverable, its versions, assignments,
        # rounds and comments go with the task.
        self._s.tasks.pop(task_id, None)
        gone = {d.id for d in self._s.deliverables.values() if d.task_id == task_id}
        versions = {v.id for v in self._s.versions if v.deliverable_id in gone}
        rounds = {r.id for r in self._s.rounds.values() if r.version_id in versions}
        for deliverable_id in gone:
            del self._s.deliverables[deliverable_id]
        self._s.versions = [v for v in self._s.versions if v.id not in versions]
        self._s.assignments = [a for a in self._s.assignments if a.deliverable_id not in gone]
        self._s.rounds = {k: r for k, r in self._s.rounds.items() if k not in rounds}
        self._s.comments = [c for c in self._s.comments if c.round_id not in rounds]

    def mark_done(self, task_id: int) -> None:
        self._s.tasks[task_id] = self._s.tasks[task_id]._replace(done=True)


class FakeDeliverables(_Repo):
    """The ``Deliverables`` port in memory (one deliverable per task)."""

    def for_task(self, task_id: int) -> Deliverable | None:
        return next((d for d in self._s.deliverables.values() if d.task_id == task_id), None)

    def get(self, deliverable_id: int) -> Deliverable | None:
        return self._s.deliverables.get(deliverable_id)

    def create(self, team_id: int, task_id: int, now: datetime) -> Deliverable:
        if self.for_task(task_id) is not None:
            raise ValueError(f"task {task_id} already has a deliverable")  # UNIQUE in SQL
        made = Deliverable(self._s.next_id("deliverables"), team_id, task_id,
                           DeliverableStatus.SUBMITTED, now)
        self._s.deliverables[made.id] = made
        return made

    def versions(self, deliverable_id: int) -> list[Version]:
        return sorted((v for v in self._s.versions if v.deliverable_id == deliverable_id),
                      key=lambda v: v.number)

    def set_status(self, deliverable_id: int, status: DeliverableStatus,
                   now: datetime) -> None:
        self._s.deliverables[deliverable_id] = self._s.deliverables[deliverable_id]._replace(
            status=status)

    def states(self, team_id: int | None = None) -> list[TaskState]:
        found = []
        teams = self._s.teams
        for task in sorted(self._s.tasks.values(), key=lambda t: (
                name_key(teams[t.team_id].name), t.team_id, t.due_at, t.id)):
            if team_id is not None and task.team_id != team_id:
                continue
            team = teams[task.team_id]
            leader = self._s.members.get(team.leader_id) if team.leader_id else None
            made = self.for_task(task.id)
            versions = self.versions(made.id) if made else []
            rounds = [r.number for r in self._s.rounds.values()
                      if r.version_id in {v.id for v in versions}]
            names = tuple(self._s.members[a.reviewer_id].name for a in self._s.assignments
                          if made and a.deliverable_id == made.id and a.active)
            found.append(TaskState(task.id, team.id, team.name, team.region, task.title,
                                   task.due_date, task.done, leader.timezone if leader else None,
                                   made.id if made else None, made.status if made else None,
                                   max((v.number for v in versions), default=None),
                                   max(rounds, default=None), names))
        return found

    def version(self, version_id: int) -> Version | None:
        return next((v for v in self._s.versions if v.id == version_id), None)

    def add_version(self, deliverable_id: int, sha256: str, filename: str, size: int,
                    kind: str, by: int, now: datetime, note: str = "",
                    note_language: Language | None = None) -> Version:
        number = len(self.versions(deliverable_id)) + 1
        made = Version(self._s.next_id("versions"), deliverable_id, number, sha256, filename,
                       size, kind, by, now, note, note_language if note else None)
        self._s.versions.append(made)
        return made


@dataclass(frozen=True)
class Assignment:
    """A reviewer on a deliverable (inactive once declined)."""

    deliverable_id: int
    reviewer_id: int
    active: bool
    assigned_at: datetime


class FakeReviews(_Repo):
    """The ``Reviews`` port in memory."""

    def profile(self, member_id: int) -> ReviewerProfile | None:
        return self._s.profiles.get(member_id)

    def set_profile(self, member_id: int, languages: Iterable[Language],
                    topics: Sequence[str]) -> None:
        self._s.profiles[member_id] = ReviewerProfile(member_id, frozenset(languages),
                                                      tuple(topics))

    def candidates(self) -> list[Candidate]:
        found = []
        for member in FakeMembers(self._uow).with_role(Role.REVIEWER):
            mine = [a for a in self._s.assignments if a.reviewer_id == member.id]
            open_reviews = sum(1 for a in mine if a.active and self._s.deliverables[
                a.deliverable_id].status != DeliverableStatus.APPROVED)
            last = max((a.assigned_at for a in mine), default=None)
            found.append(Candidate(member, self._s.profiles.get(member.id), open_reviews, last))
        return found

    def reviewers_of(self, deliverable_id: int) -> list[int]:
        return [a.reviewer_id for a in self._s.assignments
                if a.deliverable_id == deliverable_id and a.active]

    def declined(self, deliverable_id: int) -> set[int]:
        return {a.reviewer_id for a in self._s.assignments
                if a.deliverable_id == deliverable_id and not a.active}

    def assign(self, deliverable_id: int, reviewer_id: int, now: datetime) -> None:
        self._s.assignments.append(Assignment(deliverable_id, reviewer_id, True, now))

    def decline(self, deliverable_id: int, reviewer_id: int) -> None:
        self._s.assignments = [replace(a, active=False) if (a.deliverable_id, a.reviewer_id)
                               == (deliverable_id, reviewer_id) else a
                               for a in self._s.assignments]

    def open_round(self, version_id: int, reviewer_id: int, number: int,
                   now: datetime) -> Round:
        made = Round(self._s.next_id("rounds"), version_id, reviewer_id, number, None)
        self._s.rounds[made.id] = made
        return made

    def rounds(self, deliverable_id: int) -> list[Round]:
        versions = {v.id for v in self._s.versions if v.deliverable_id == deliverable_id}
        return sorted((r for r in self._s.rounds.values() if r.version_id in versions),
                      key=lambda r: r.id)

    def round(self, round_id: int) -> Round | None:
        return self._s.rounds.get(round_id)

    def decide(self, round_id: int, decision: str, now: datetime) -> bool:
        current = self._s.rounds[round_id]
        if current.decision is not None:
            return False
        self._s.rounds[round_id] = current._replace(decision=decision)
        return True

    def add_comment(self, round_id: int, author_id: int, text: str, language: Language,
                    now: datetime) -> Comment:
        made = Comment(self._s.next_id("comments"), round_id, author_id, text, language, now)
        self._s.comments.append(made)
        return made

    def comments(self, round_id: int) -> list[Comment]:
        return [c for c in self._s.comments if c.round_id == round_id]

    def comment(self, comment_id: int) -> Comment | None:
        return next((c for c in self._s.comments if c.id == comment_id), None)

    def queue(self, reviewer_id: int) -> list[QueueItem]:
        items = []
        for review in self._s.rounds.values():
            version = next(v for v in self._s.versions if v.id == review.version_id)
            made = self._s.deliverables[version.deliverable_id]
            latest = max(v.number for v in self._s.versions if v.deliverable_id == made.id)
            if review.reviewer_id != reviewer_id or review.decision is not None \
                    or version.number != latest \
                    or reviewer_id not in self.reviewers_of(made.id):
                continue
            task = self._s.tasks[made.task_id]
            items.append(QueueItem(review.id, made.id, version.number, review.number,
                                   self._s.teams[made.team_id].name, task.id, task.title,
                                   version.submitted_at))
        return sorted(items, key=lambda i: (i.opened_at, i.round_id))


class FakeConversations(_Repo):
    """The ``Conversations`` port in memory (the step's data is copied in and out)."""

    def get(self, member_id: int) -> PendingStep | None:
        found = self._s.conversations.get(member_id)
        if found is None:
            return None
        step, asked_at = found
        return PendingStep(step.flow, step.step, dict(step.data), asked_at)

    def set(self, member_id: int, step: PendingStep, now: datetime) -> None:
        self._s.conversations[member_id] = (PendingStep(step.flow, step.step, dict(step.data)),
                                            now)

    def clear(self, member_id: int) -> None:
        self._s.conversations.pop(member_id, None)


class FakeOutbox(_Repo):
    """The ``Outbox`` port in memory."""

    def add(self, rows: Sequence[OutboxRow]) -> None:
        for row in rows:
            self._s.outbox.append(OutboxEntry(self._s.next_id("outbox"), row))

    def find_sent(self, platform: str, chat_id: str,
                  platform_message_id: str) -> SentMessage | None:
        for entry in self._s.outbox:
            if (entry.platform == platform and entry.sent_chat_id == chat_id
                    and entry.platform_message_id == platform_message_id):
                return SentMessage(entry.row.member_id, entry.row.context, entry.row.context_id,
                                   entry.id)
        return None

    def quoted(self, member_id: int, number: int) -> QuotedMessage | None:
        for entry in self._s.outbox:
            if entry.id == number and entry.row.member_id == member_id:
                row = entry.row
                return QuotedMessage(entry.id, row.language, row.text, row.template,
                                     list(row.pieces))
        return None

    def unreachable_members(self) -> int:
        return 0  # the fake platforms reach everyone


class NoTeamGroups:
    """Teams without linked groups: team groups are tested on SQLite (tests/scenarios)."""

    def get(self, link_id: int) -> TeamGroup | None:
        return None

    def for_chat(self, platform: str, chat_id: str) -> TeamGroup | None:
        return None

    def of_team(self, team_id: int) -> list[TeamGroup]:
        return []

    def request(self, team_id: int, platform: str, chat_id: str, title: str,
                language: Language, by: int, now: datetime) -> TeamGroup:
        raise NotImplementedError("team groups are tested on SQLite, not on the fakes")

    def confirm(self, link_id: int, now: datetime) -> list[TeamGroup] | None:
        raise NotImplementedError("team groups are tested on SQLite, not on the fakes")

    def set_language(self, link_id: int, language: Language) -> None:
        raise NotImplementedError("team groups are tested on SQLite, not on the fakes")

    def rename(self, platform: str, chat_id: str, title: str) -> None:
        """No group is linked: nothing to rename."""

    def remove(self, link_id: int) -> None:
        raise NotImplementedError("team groups are tested on SQLite, not on the fakes")

    def move(self, platform: str, old_chat_id: str, new_chat_id: str) -> TeamGroup | None:
        return None


class FakeUnitOfWork:
    """One transaction over the fake repositories; nothing is kept until ``commit``."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self._base: State | None = None
        self._work: State | None = None
        self._members = FakeMembers(self)
        self._teams = FakeTeams(self)
        self._help_requests = FakeHelpRequests(self)
        self._conversations = FakeConversations(self)
        self._tasks = FakeTasks(self)
        self._deliverables = FakeDeliverables(self)
        self._reviews = FakeReviews(self)
        self._outbox = FakeOutbox(self)
        self._groups = NoTeamGroups()
        self._audit = FakeAudit(self)
        self._privacy = FakePersonalData(self)

    @property
    def state(self) -> State:
        """The state this transaction reads and writes."""
        if self._work is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self._work

    @property
    def members(self) -> FakeMembers:
        return self._members

    @property
    def teams(self) -> FakeTeams:
        return self._teams

    @property
    def help_requests(self) -> FakeHelpRequests:
        return self._help_requests

    @property
    def reviews(self) -> FakeReviews:
        return self._reviews

    @property
    def deliverables(self) -> FakeDeliverables:
        return self._deliverables

    @property
    def tasks(self) -> FakeTasks:
        return self._tasks

    @property
    def conversations(self) -> FakeConversations:
        return self._conversations

    @property
    def outbox(self) -> FakeOutbox:
        return self._outbox

    # Audiences, broadcasts, events and follow-ups are tested on real SQLite (tests/integration,
    # tests/scenarios); the in-memory fakes do not hold them.
    @property
    def audiences(self) -> Audiences:
        raise NotImplementedError("audiences are tested on SQLite, not on the fakes")

    @property
    def broadcasts(self) -> Broadcasts:
        raise NotImplementedError("broadcasts are tested on SQLite, not on the fakes")

    @property
    def events(self) -> Events:
        raise NotImplementedError("events are tested on SQLite, not on the fakes")

    @property
    def followups(self) -> Followups:
        raise NotImplementedError("follow-ups are tested on SQLite, not on the fakes")

    @property
    def groups(self) -> NoTeamGroups:
        return self._groups

    @property
    def audit(self) -> FakeAudit:
        return self._audit

    @property
    def privacy(self) -> FakePersonalData:
        return self._privacy

    @property
    def links(self) -> Links:
        raise NotImplementedError("identity links are tested on SQLite, not on the fakes")

    def __enter__(self) -> FakeUnitOfWork:
        self._base = self._store.state
        self._work = self._base.copy()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._base = None
        self._work = None  # whatever was not committed is lost

    def commit(self) -> None:
        work = self.state
        if self._store.state is not self._base:
            raise RuntimeError("another unit of work committed in between")
        self._store.state = work
        self._store.commits += 1
        self._base = work
        self._work = work.copy()

    def rollback(self) -> None:
        if self._base is not None:
            self._work = self._base.copy()

    def mark_handled(self, platform: str, receipts: Sequence[int], now: datetime) -> None:
        """Journalled updates are tested on SQLite (tests/integration)."""

    def handled_already(self, platform: str, receipts: Sequence[int]) -> set[int]:
        """No journal here: nothing was handled already."""
        return set()

    def one_sweep_at_a_time(self) -> None:
        """One process, one thread: nothing to wait for."""

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Undo only what happens inside when it raises, like SQL's SAVEPOINT."""
        before = self.state.copy()
        try:
            yield
        except BaseException:
            self._work = before
            raise


