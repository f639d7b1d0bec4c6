"""One hour of programme life for the soak benchmark: what people do, how often, and who does it.

``HOUR`` is a busy hour of a 1,500-member programme (scaled with the number of members):
team talk (``/t``, translated for each teammate), look-ups (``/tasks``, ``/team``…), uploads
of deliverables (a PDF with the task code in its caption), reviewers' comments (a reply to the
review card: a Telegram reply, a Slack thread, the console's ``[reply N]``), the team's answers
to them, reviewers' decisions (Approve / Request changes buttons), help requests (``/ask``) and
the coordinators' answers (a reply to the request), and two broadcasts to everyone. Nags come
from the scheduler (see soak_world.py). The hour is played in ``--minutes`` of real time: each
action at a random moment (fixed seed), so the rates per minute are the hour's, compressed;
``--hours`` plays that many such hours one after the other.

People act on what they received, as a person would: a reviewer comments on a card that
reached them, a member answers a comment they got, a coordinator answers a request they were
sent. :class:`Targets` finds those messages where the help desk recorded them (the outbox: who
got what, and its platform message id) as soon as they are sent; an action with nothing to act
on yet waits a few seconds and tries again, then is counted as skipped.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soak_texts import HELP_ANSWERS, NEWS, READS, TALK, answer, comment, question, talk
from soak_world import Person, Programme
from sqlalchemy import select

from storage.database import Database
from storage.models import OutboxRowModel, table
from tests.cross.documents import one_page_pdf

HOUR = {"talk": 600, "read": 300, "upload": 60, "comment": 60, "reply": 30, "decide": 50,
        "ask": 90, "answer": 80}
BROADCASTS = (0.3, 0.75)  # when, as a share of the hour, a coordinator broadcasts to everyone
REACTIVE = ("comment", "reply", "decide", "answer")  # actions on something received
APPROVE_SHARE = 0.7


def timeline(minutes: float, members: int, seed: int, hours: int = 1,
             ) -> list[tuple[float, str]]:
    """(seconds from the start, action) for ``hours`` hours one after the other, each played
    in ``minutes``, in order."""
    rng = random.Random(seed + 2)
    seconds = minutes * 60
    scale = members / 1500
    moments = []
    for hour in range(hours):
        offset = hour * seconds
        for kind, per_hour in HOUR.items():
            first = 0.1 if kind in REACTIVE and hour == 0 else 0.0  # cards must exist first
            moments += [(offset + rng.uniform(first, 1.0) * seconds, kind)
                        for _ in range(max(1, round(per_hour * scale)))]
        moments += [(offset + share * seconds, "broadcast") for share in BROADCASTS]
    return sorted(moments)


@dataclass(frozen=True)
class Target:
    """A message someone received that they may act on."""

    outbox_id: int
    person: Person
    chat: str
    message: str  # the platform's id of the message (Telegram message id, Slack ts, #N)
    item: int  # what it is about: the round, comment or help request id


@dataclass
class Targets:
    """The cards, comments and requests people received, found in the outbox once sent."""

    database: Database
    world: Programme
    cards: deque[Target] = field(default_factory=deque)
    comments: deque[Target] = field(default_factory=deque)
    requests: deque[Target] = field(default_factory=deque)
    decided: set[int] = field(default_factory=set)
    answered: set[int] = field(default_factory=set)
    low: int = 0  # every row of interest at or below this id was seen sent
    seen: set[int] = field(default_factory=set)

    def poll(self) -> None:
        """Look for newly sent rows (blocking; a range of ids from the oldest unsent one)."""
        outbox = table(OutboxRowModel)
        query = (select(outbox.c.id, outbox.c.identity, outbox.c.status, outbox.c.context,
                        outbox.c.context_id, outbox.c.sent_chat_id,
                        outbox.c.platform_message_id, outbox.c.buttons)
                 .where(outbox.c.id > self.low,
                        outbox.c.context.in_(("round", "comment", "help_request")))
                 .order_by(outbox.c.id))
        with self.database.engine.connect() as conn:
            rows = list(conn.execute(query))
        people = {p.identity: p for p in self.world.everyone}
        reviewers = {p.identity for p in self.world.reviewers}
        coordinators = {p.identity for p in self.world.coordinators}
        unsent = [row.id for row in rows if row.status not in ("sent", "failed")]
        for row in rows:
            if row.status != "sent" or row.id in self.seen or row.identity not in people:
                continue
            self.seen.add(row.id)
            target = Target(row.id, people[row.identity], str(row.sent_chat_id),
                            str(row.platform_message_id), int(row.context_id or 0))
            flat = [data for line in row.buttons or [] for _label, data in line]
            if row.context == "round" and any(d.startswith("review:approve:") for d in flat):
                self.cards.append(target)
            elif row.context == "comment" and row.identity not in reviewers:
                self.comments.append(target)
            elif row.context == "help_request" and row.identity in coordinators:
                self.requests.append(target)
        if unsent:
            self.low = min(unsent) - 1
        elif rows:
            self.low = rows[-1].id

    def card_to_comment(self) -> Target | None:
        """The newest card still undecided (reviewers read their newest first)."""
        while self.cards and self.cards[-1].item in self.decided:
            self.cards.pop()
        return self.cards[-1] if self.cards else None

    def card_to_decide(self) -> Target | None:
        """The oldest card still undecided, taken."""
        while self.cards:
            card = self.cards.popleft()
            if card.item not in self.decided:
                self.decided.add(card.item)
                return card
        return None

    def comment_to_answer(self) -> Target | None:
        """A comment a member got, taken (one answer per comment)."""
        while self.comments:
            target = self.comments.popleft()
            if target.item not in self.answered:
                self.answered.add(target.item)
                return target
        return None

    def request_to_answer(self) -> Target | None:
        """The oldest request a coordinator got and nobody answered yet, taken."""
        while self.requests:
            target = self.requests.popleft()
            if -target.item not in self.answered:
                self.answered.add(-target.item)
                return target
        return None


@dataclass
class Actor:
    """Turns a planned action into what a person does on their platform: a dict for the
    servers' process (Telegram, Slack) or for the console's standard input."""

    world: Programme
    targets: Targets
    uploads: Path
    rng: random.Random
    count: int = 0

    def act(self, kind: str) -> dict[str, Any] | None:
        """One action of ``kind`` (None: nothing to act on yet)."""
        rng = self.rng
        if kind in ("talk", "read", "ask"):
            person = rng.choice(self.world.members)
            if kind == "talk":
                return self._say(person, f"/t {talk(rng, person.language)}")
            if kind == "ask":
                return self._say(person, f"/ask {question(rng, person.language)}")
            return self._say(person, rng.choice(READS))
        if kind == "upload":
            return self._upload()
        if kind == "comment":
            card = self.targets.card_to_comment()
            return None if card is None else self._reply(card, comment(rng, card.person.language))
        if kind == "reply":
            got = self.targets.comment_to_answer()
            return None if got is None else self._reply(got, answer(rng, got.person.language))
        if kind == "decide":
            card = self.targets.card_to_decide()
            verdict = "approve" if rng.random() < APPROVE_SHARE else "changes"
            return None if card is None else self._press(card, f"review:{verdict}:{card.item}")
        got = self.targets.request_to_answer()
        return None if got is None else self._reply(got, HELP_ANSWERS[got.person.language])

    def broadcast_steps(self, number: int) -> tuple[Person, list[list[str]]]:
        """A coordinator's broadcast to everyone (one on Telegram, then one on Slack)."""
        wanted = "telegram" if number % 2 else "slack"
        coordinator = next(c for c in self.world.coordinators if c.platform == wanted)
        text = NEWS.get(coordinator.language, NEWS["en"])
        return coordinator, [["say", "/broadcast everyone"], ["say", f"{text} (#{number})"],
                             ["press", "bc:now"], ["press", "bc:ok:"]]

    def _base(self, person: Person) -> dict[str, Any]:
        return person.as_json()

    def _say(self, person: Person, text: str) -> dict[str, Any]:
        if person.platform == "slack" and text.startswith("/"):
            return {**self._base(person), "kind": "command", "text": text[1:]}
        return {**self._base(person), "kind": "text", "text": text}

    def _upload(self) -> dict[str, Any]:
        team = self.rng.choice(list(self.world.teams))
        person = self.rng.choice(self.world.teams[team])
        task = self.rng.choice(self.world.tasks[team])
        self.count += 1
        caption = f"T{task} {self.rng.choice(TALK[person.language])}"
        title = f"Team {team} T{task} draft {self.count}"
        name = f"team{team}-T{task}-{self.count}.pdf"
        if person.platform == "console":
            path = self.uploads / name
            path.write_bytes(one_page_pdf(title))
            return {**self._base(person), "kind": "file", "file": str(path), "text": caption}
        return {**self._base(person), "kind": "file", "title": title, "filename": name,
                "text": caption}

    def _reply(self, target: Target, text: str) -> dict[str, Any]:
        return {**self._base(target.person), "kind": "reply", "to": target.message,
                "text": text}

    def _press(self, target: Target, data: str) -> dict[str, Any]:
        return {**self._base(target.person), "kind": "press", "to": target.message,
                "data": data}
