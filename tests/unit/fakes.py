"""A small driver that plays messages at a ``HelpDesk`` built on the in-memory fakes.

``Desk`` registers people, sends text, presses buttons and replies like a chat platform would,
and returns the outbox rows each message produced; helpers render catalogue entries to compare
with them.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from handlers.catalogue import Catalogue
from handlers.domain import (
    HelpRequest,
    Language,
    Member,
    PendingStep,
    Team,
)
from handlers.messages import Attachment, ChatRef, Context, Inbound, Param, Phrase, UserRef
from handlers.ports import OutboxRow
from handlers.service import HelpDesk
from handlers.timezones import TimeZones
from handlers.turn import CoreSettings, Deps
from tests.unit.fake_store import (
    START,
    FakeMembers,
    FakeStore,
    FakeTeams,
    FakeUnitOfWork,
    T,
)

__all__ = ["START", "FakeMembers", "FakeTeams", "FakeUnitOfWork"]

# ---------------------------------------------------------------------------------------------
# Clock, join codes, and the help desk built on the fakes.


class FixedClock:
    """A clock that only moves when a test says so."""

    def __init__(self, moment: datetime = START) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        """Move forward (``advance(hours=2)``)."""
        self.moment += timedelta(**delta)
        return self.moment


class SequenceCodes:
    """Join codes from a given list first, then ``CODE01``, ``CODE02``, ..."""

    def __init__(self, codes: Iterable[str] = ()) -> None:
        self._given = iter(list(codes))
        self._counter = itertools.count(1)
        self.issued: list[str] = []

    def new_code(self) -> str:
        code = next(self._given, None) or f"CODE{next(self._counter):02d}"
        self.issued.append(code)
        return code


@cache
def catalogue() -> Catalogue:
    """The real catalogue, read once per test session."""
    return Catalogue.load()


@cache
def zones() -> TimeZones:
    """The real time-zone index, built once per test session."""
    return TimeZones.load()


class MemoryFiles:
    """The ``FileStore`` port in memory: files "left" by an adapter, and the kept ones."""

    def __init__(self) -> None:
        self.incoming: dict[str, bytes] = {}
        self.kept: dict[str, bytes] = {}

    def read(self, location: str, limit: int) -> bytes:
        if location not in self.incoming:
            raise FileNotFoundError(location)
        return self.incoming[location][:limit + 1]

    def keep(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        self.kept[digest] = content
        return digest

    def location(self, sha256: str) -> str:
        return f"kept:{sha256}"

    def discard(self, sha256: str) -> None:
        self.kept.pop(sha256, None)


def build_help_desk(store: FakeStore, settings: CoreSettings, clock: FixedClock,
                    codes: SequenceCodes, files: MemoryFiles | None = None) -> HelpDesk:
    """A ``HelpDesk`` over the fake store, with the real catalogue and time zones."""
    return HelpDesk(unit_of_work=store.unit_of_work, catalogue=catalogue(),
                    deps=Deps(settings=settings, clock=clock, codes=codes, zones=zones(),
                              files=files or MemoryFiles()))


def render(key: str, lang: Language = Language.EN, /, **params: Param) -> str:
    """A catalogue entry as the bot would write it (placeholders may be phrases)."""
    return catalogue().render(Phrase(key, params), lang)


def data(row: OutboxRow) -> list[str]:
    """The data of every button of a message, row by row flattened."""
    return [item for line in row.buttons for _label, item in line]


def labels(row: OutboxRow) -> list[str]:
    """The labels of every button of a message."""
    return [label for line in row.buttons for label, _item in line]


def user(name: str, locale: str | None = None) -> UserRef:
    """A console user (``console:ana``, shown as ``Ana``)."""
    return UserRef(f"console:{name}", name[:1].upper() + name[1:], locale)


# ---------------------------------------------------------------------------------------------
# The driver.


class Desk:
    """A help desk on fakes, played like the console: users by name, chats named after them."""

    def __init__(self, *, coordinators: Iterable[str] = (), approval: bool = False,
                 codes: Iterable[str] = (), default_language: Language = Language.EN,
                 invite_links: dict[str, str] | None = None) -> None:
        self.store = FakeStore()
        self.clock = FixedClock()
        self.codes = SequenceCodes(codes)
        self.settings = CoreSettings(
            require_team_approval=approval,
            coordinator_identities=frozenset(user(c).identity for c in coordinators),
            default_language=default_language, default_timezone="UTC",
            invite_links=invite_links or {})
        self.files = MemoryFiles()
        self.helpdesk = build_help_desk(self.store, self.settings, self.clock, self.codes,
                                        self.files)
        self._message_ids = itertools.count(1)

    # -- sending -------------------------------------------------------------------------------

    def send(self, inbound: Inbound) -> list[OutboxRow]:
        """Handle one inbound message; 'send' and return the rows it queued."""
        before = {e.id for e in self.store.state.outbox}
        self.helpdesk.handle(inbound)
        new = [e for e in self.store.state.outbox if e.id not in before]
        for entry in new:
            chat = entry.row.chat_id or entry.row.identity.split(":", 1)[1]
            self.store.mark_sent(entry.id, chat, str(next(self._message_ids)))
        return [e.row for e in new]

    def _inbound(self, who: str | UserRef, **fields: Any) -> Inbound:
        sender = who if isinstance(who, UserRef) else user(who)
        chat = ChatRef(sender.platform, sender.identity.split(":", 1)[1])
        return Inbound(sender, chat, **fields)

    def say(self, who: str | UserRef, text: str) -> list[OutboxRow]:
        """A user types text (or a command) in their private chat."""
        return self.send(self._inbound(who, text=text))

    def press(self, who: str | UserRef, button: str) -> list[OutboxRow]:
        """A user presses a button carrying this data."""
        return self.send(self._inbound(who, button=button))

    def upload(self, who: str | UserRef, filename: str, content: bytes = b"%PDF-1.4 fake",
               caption: str = "", size: int | None = None) -> list[OutboxRow]:
        """A user sends a file (its bytes, and the size the platform announces)."""
        location = f"incoming:{len(self.files.incoming) + 1}"
        self.files.incoming[location] = content
        attachment = Attachment(filename, len(content) if size is None else size,
                                location=location)
        return self.send(self._inbound(who, text=caption, attachment=attachment))

    def reply(self, who: str | UserRef, to: OutboxRow | Context, text: str) -> list[OutboxRow]:
        """A user replies to a message they received (a row, or the newest with that context)."""
        sender = who if isinstance(who, UserRef) else user(who)
        entries = self.store.state.outbox
        if isinstance(to, Context):
            member = self.member(sender)
            found = [e for e in entries if e.row.member_id == member.id
                     and (e.row.context, e.row.context_id) == (to.kind, to.id)]
        else:
            found = [e for e in entries if e.row is to] or [e for e in entries if e.row == to]
        assert found and found[-1].platform_message_id, f"no sent message matches {to!r}"
        return self.send(self._inbound(sender, text=text,
                                       reply_to=found[-1].platform_message_id))

    # -- set-up shortcuts ----------------------------------------------------------------------

    def onboard(self, name: str, language: Language = Language.EN,
                city: str = "Nairobi") -> int:
        """``/start``, press a language and a city; returns the member id."""
        self.say(name, "/start")
        self.press(name, f"lang:{language.value}")
        self.press(name, f"tz:{city}")
        return self.id(name)

    def make_team(self, leader: str, name: str = "Rivers", *members: str,
                  topic: str = "Participatory budgeting", region: str = "west") -> Team:
        """The leader creates a team (no approval needed) and the members join it."""
        self.say(leader, f"/newteam {name}")
        self.say(leader, topic)
        self.press(leader, f"region:{region}")
        team = self.team(name)
        assert team is not None, f"team {name} was not created"
        for member in members:
            self.say(member, f"/join {team.join_code}")
        return team

    # -- reading the committed state -----------------------------------------------------------

    def read(self, query: Callable[[FakeUnitOfWork], T]) -> T:
        """Run a query in a fresh unit of work (sees committed state only)."""
        with self.store.unit_of_work() as uow:
            return query(uow)

    def member(self, who: str | UserRef) -> Member:
        """A console user's stored member."""
        identity = who.identity if isinstance(who, UserRef) else user(who).identity
        found = self.read(lambda uow: uow.members.by_identity(identity))
        assert found is not None, f"{identity} is not registered"
        return found

    def id(self, who: str | UserRef) -> int:
        """A console user's member id."""
        return self.member(who).id

    def known(self, who: str) -> bool:
        """Whether a console user is registered."""
        return user(who).identity in self.store.state.identities

    def team(self, name: str) -> Team | None:
        """A team by name (a rejected proposal is not found, as in storage)."""
        return self.read(lambda uow: uow.teams.by_name(name))

    def teams(self) -> list[Team]:
        """Every stored team."""
        return self.read(lambda uow: uow.teams.all())

    def team_of(self, who: str) -> Team | None:
        """The team a console user is in."""
        member_id = self.id(who)
        return self.read(lambda uow: uow.teams.of_member(member_id))

    def roster(self, team: Team) -> list[str]:
        """The names of a team's members, in the order they joined."""
        return [m.name for m in self.read(lambda uow: uow.teams.members(team.id))]

    def pending(self, who: str) -> PendingStep | None:
        """The guided command a console user is in."""
        member_id = self.id(who)
        return self.read(lambda uow: uow.conversations.get(member_id))

    def request(self, number: int) -> HelpRequest | None:
        """A help request by number."""
        return self.read(lambda uow: uow.help_requests.get(number))

    def ticket(self, number: int) -> HelpRequest:
        """A help request that must exist."""
        found = self.request(number)
        assert found is not None, f"there is no request #{number}"
        return found

    def to(self, rows: Sequence[OutboxRow], who: str) -> list[OutboxRow]:
        """The rows addressed to one console user."""
        member_id = self.id(who)
        return [r for r in rows if r.member_id == member_id]

    def one(self, rows: Sequence[OutboxRow], who: str) -> OutboxRow:
        """The single row addressed to one console user."""
        mine = self.to(rows, who)
        assert len(mine) == 1, f"{who} got {len(mine)} messages: {[r.text for r in mine]}"
        return mine[0]

    def recipients(self, rows: Sequence[OutboxRow]) -> list[int]:
        """Who the rows go to, in order."""
        return [r.member_id for r in rows]


def texts(rows: Sequence[OutboxRow]) -> Iterator[str]:
    """The text of each row."""
    return (r.text for r in rows)

