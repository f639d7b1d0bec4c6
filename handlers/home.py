"""A person's home page (Slack's App Home tab): their team's tasks and where each stands, their
review queue and, for coordinators, the open help requests and the teams running late.

Read-only: it looks through the same ports and builds the same lines as ``/tasks``,
``/queue``, ``/tickets`` and ``/overview``, and writes nothing. Someone the help desk does not
know yet is welcomed, with the language buttons that start them off as ``/start`` does. Each
section shows at most :data:`SECTION_LINES` items and then says how many more there are and
which command lists them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from handlers.domain import LANGUAGE_NAMES, Language, QueueItem, Role, TeamStatus
from handlers.help_desk import age
from handlers.messages import Button, ChatRef, Inbound, Phrase, UserRef, UserText
from handlers.ports import UnitOfWork
from handlers.progress import days_left
from handlers.tasks import task_line
from handlers.turn import Deps, Turn, phrase

SECTION_LINES = 8
QUESTION_CHARS = 80  # of a help request's question, as /tickets shows it
FOOTER = Phrase("home.footer")


@dataclass(frozen=True, slots=True)
class HomeSection:
    """One part of the page: a title, its lines and perhaps rows of buttons."""

    title: Phrase
    lines: tuple[Phrase, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class HomePage:
    """What one person sees on their home page, in their language."""

    language: Language
    sections: tuple[HomeSection, ...]
    footer: Phrase = FOOTER


def build_home(uow: UnitOfWork, deps: Deps, identity: str, now: datetime, prefix: str = "/",
               language: Language | None = None) -> HomePage:
    """The home page of a platform identity (a linked identity finds its member).

    ``prefix`` is how commands are typed where the page is shown (``"/peerdesk "`` on Slack);
    ``language`` is the one to welcome a stranger in (default: the configured one).
    """
    member = uow.members.by_identity(identity)
    if member is None:
        return _welcome(language or deps.settings.default_language, prefix)
    platform = identity.split(":", 1)[0]
    turn = Turn(uow, deps, Inbound(UserRef(identity, member.name), ChatRef(platform, "")),
                member, now)
    coordinator = member.is_coordinator or identity in deps.settings.coordinator_identities
    sections = [HomeSection(phrase("home.hello", name=member.name),
                            (phrase("home.intro", help=f"{prefix}help"),)),
                _team(turn, prefix)]
    queue = uow.reviews.queue(member.id)
    if queue or member.has(Role.REVIEWER):
        sections.append(_queue(turn, queue, prefix))
    if coordinator:
        sections += [_requests(turn, prefix), _late_teams(turn, prefix)]
    return HomePage(member.language, tuple(sections))


def _welcome(language: Language, prefix: str) -> HomePage:
    buttons = (tuple(Button(data=f"lang:{lang.value}", label=LANGUAGE_NAMES[lang])
                     for lang in Language),)  # pressed: greeted and started, as by /start
    return HomePage(language, (HomeSection(
        phrase("home.welcome_title"), (phrase("home.welcome", start=f"{prefix}start"),),
        buttons),))


def _limited(lines: Sequence[Phrase], total: int, command: str) -> tuple[Phrase, ...]:
    """At most :data:`SECTION_LINES` lines, then how many more and where to see them."""
    shown = tuple(lines[:SECTION_LINES])
    if total > len(shown):
        return (*shown, phrase("home.more", count=total - len(shown), command=command))
    return shown


def _team(turn: Turn, prefix: str) -> HomeSection:
    """The member's team's tasks with due dates and review status (as ``/tasks``)."""
    team = turn.uow.teams.of_member(turn.sender.id)
    if team is None:
        return HomeSection(phrase("home.team_none_title"), (
            phrase("home.team_none", join=f"{prefix}join", newteam=f"{prefix}newteam"),))
    title = phrase("home.team_title", team=team.name)
    tasks = turn.uow.tasks.of_team(team.id)
    lines: list[Phrase] = []
    if not tasks:
        leads = team.leader_id == turn.sender.id or turn.sender.is_coordinator
        lines.append(phrase("tasks.none_leader" if leads else "tasks.none", team=team.name))
    else:
        names = {m.id: m.name for m in turn.uow.teams.members(team.id)}
        states = {s.task_id: s for s in turn.uow.deliverables.states(team.id)}
        first = sorted(tasks, key=lambda task: task.done)[:SECTION_LINES]  # open ones first
        lines += _limited([task_line(turn, task, names, states.get(task.id)) for task in first],
                          len(tasks), f"{prefix}tasks")
    if team.status != TeamStatus.APPROVED:
        lines.append(phrase("tasks.team_pending"))
    return HomeSection(title, tuple(lines))


def _queue(turn: Turn, items: Sequence[QueueItem], prefix: str) -> HomeSection:
    """The versions waiting for the member's decision, oldest first (as ``/queue``)."""
    title = phrase("home.queue_title", count=len(items))
    if not items:
        return HomeSection(title, (phrase("home.nothing"),))
    lines = [phrase("queue.line", code=f"D{i.deliverable_id}", version=i.version, round=i.round,
                    team=i.team, task=f"T{i.task_id}", title=i.title,
                    age=age(i.opened_at, turn.now))
             for i in items[:SECTION_LINES]]
    return HomeSection(title, _limited(lines, len(items), f"{prefix}queue"))


def _requests(turn: Turn, prefix: str) -> HomeSection:
    """The open help requests, as ``/tickets`` lists them for coordinators."""
    requests = turn.uow.help_requests.open_requests()
    title = phrase("home.requests_title", count=len(requests))
    if not requests:
        return HomeSection(title, (phrase("home.nothing"),))
    shown = requests[:SECTION_LINES]
    askers = {m.id: m.name for m in (turn.uow.members.get(i) for i in {r.asker_id for r in shown})
              if m is not None}
    lines = [phrase("tickets.line", number=r.id, age=age(r.created_at, turn.now),
                    name=askers.get(r.asker_id, "?"),
                    status=phrase("request_status.urgent" if r.urgent
                                  else "request_status.open"),
                    question=UserText(_brief(r.text), r.language))
             for r in shown]
    return HomeSection(title, _limited(lines, len(requests), f"{prefix}tickets"))


def _late_teams(turn: Turn, prefix: str) -> HomeSection:
    """The teams with tasks past their due date (as ``/overview`` counts days), most late
    first: how many tasks and by how many days the oldest."""
    zone = turn.deps.settings.default_timezone
    today: dict[str, date] = {}
    late: dict[int, tuple[str, list[int]]] = {}  # team id → its name, days late per task
    for state in turn.uow.deliverables.states():
        left = days_left(state, turn.now, zone, today)
        if left is not None and left < 0:
            late.setdefault(state.team_id, (state.team, []))[1].append(-left)
    title = phrase("home.late_title", count=len(late))
    if not late:
        return HomeSection(title, (phrase("home.none_late"),))
    ranked = sorted(late.values(), key=lambda item: (-max(item[1]), item[0].casefold()))
    lines = [phrase("home.late_line", team=team, count=len(days), days=max(days))
             for team, days in ranked[:SECTION_LINES]]
    return HomeSection(title, _limited(lines, len(ranked), f"{prefix}overview"))


def _brief(text: str) -> str:
    """A question on one line, cut at :data:`QUESTION_CHARS`."""
    flat = " ".join(text.split())
    return flat if len(flat) <= QUESTION_CHARS else flat[:QUESTION_CHARS - 1] + "…"
