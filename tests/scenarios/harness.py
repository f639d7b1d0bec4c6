"""Plays console transcripts against a real app (SQLite, real catalogue) and records replies."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine

from bot.app import build_app
from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from bot.console import ConsoleChannel, ConsoleSession, play_script
from bot.dispatcher import Delivery
from bot.translation.provider import Provider
from handlers.domain import Language
from storage.outbox import QueuedMessage


class Unchanged:
    """A provider that gives texts back as written, so that scenarios about other things read
    the same in every language (translation scenarios use the real Apertium instead)."""

    name = "unchanged"
    max_chars = 100_000
    pivot: Language | None = None

    def supports(self, source: Language, target: Language) -> bool:
        return True

    async def translate(self, text: str, source: Language, target: Language) -> str:
        return text

    async def aclose(self) -> None:
        return None


@dataclass(frozen=True)
class Sent:
    """One message the bot sent, as the console numbered it."""

    number: int
    user: str
    language: str
    text: str
    buttons: list[str]
    data: list[str]


@dataclass
class Recorder(ConsoleChannel):
    """A console channel that also keeps every message as data."""

    sent: list[Sent] = field(default_factory=list)

    async def send(self, message: QueuedMessage) -> Delivery:
        delivery = await super().send(message)
        flat = [b for row in message.buttons for b in row]
        self.sent.append(Sent(int(delivery.message_id), delivery.chat_id, message.language,
                              message.text, [label for label, _ in flat],
                              [data for _, data in flat]))
        return delivery


@dataclass
class Transcript:
    """What a played script produced."""

    sent: list[Sent]
    output: list[str]
    errors: list[str]
    exit_code: int

    def to(self, user: str) -> list[Sent]:
        """Every message one user received, in order."""
        return [s for s in self.sent if s.user == user]

    def last(self, user: str) -> Sent:
        """The newest message one user received."""
        received = self.to(user)
        assert received, f"{user} received nothing"
        return received[-1]

    def find(self, user: str, fragment: str) -> list[Sent]:
        """The messages one user received that contain a fragment of text."""
        return [s for s in self.to(user) if fragment in s.text]

    def texts(self, user: str) -> str:
        """Everything one user received, as one text."""
        return "\n".join(s.text for s in self.to(user))


CONFIG = """
[storage]
data_dir = "data"
[helpdesk]
coordinators = {coordinators}
require_team_approval = {approval}
default_language = "en"
default_timezone = "UTC"
"""

# Scenarios translate offline; those about other things need no language detection.
TRANSLATION = """
[translation]
providers = ["apertium"]
detect_language = false
"""


async def play(script: str, tmp_path: Path, *, approval: bool = False,
               coordinators: tuple[str, ...] = ("console:carla",), seed: int = 1,
               database_url: str | None = None, extra_config: str = "",
               providers: Sequence[Provider] | None = None,
               translation: str = TRANSLATION) -> Transcript:
    """Play a transcript (the console grammar) and return everything the bot sent.

    Translation goes through ``providers`` (default: one that changes nothing), or, when
    ``providers`` is empty, through the chain the ``translation`` configuration names.
    """
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(coordinators=list(coordinators),
                                    approval=str(approval).lower()).replace("'", '"')
                      + translation + extra_config)
    settings = load_settings(config, environ={})
    path = tmp_path / "script.txt"
    path.write_text(script, encoding="utf-8")
    output: list[str] = []
    errors: list[str] = []
    channel = Recorder(output.append)
    clock = VirtualClock()
    url = database_url or f"sqlite:///{tmp_path / 'peerdesk.db'}"
    chosen = [Unchanged()] if providers is None else (list(providers) or None)
    app = await build_app(settings, url, clock, RandomJoinCodes(random.Random(seed)),
                          {"console": channel}, chosen)
    try:
        # Like ``peerdesk console --db``: messages sent before a restart can be replied to.
        channel.recall(await app.database.run(lambda: app.dispatcher.queue.sent_to("console")))
        session = ConsoleSession(app, channel, clock, tmp_path, output.append)
        code = await play_script(session, path, errors.append)
    finally:
        await app.close()
    return Transcript(channel.sent, output, errors, code)


def query(database_url: str, sql: str) -> list[tuple[object, ...]]:
    """Rows straight from the database a script ran on (to check what was stored)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.exec_driver_sql(sql)]
    finally:
        engine.dispose()


ONBOARD = """
:clock 2026-03-02T12:00:00Z
carla> /start
carla> [press English]
carla> [press Maputo]
"""


def first_code(seed: int = 1) -> str:
    """The join code the console hands out first for a seed (the first team's code)."""
    return RandomJoinCodes(random.Random(seed)).new_code()


def propose(user: str, team: str, topic: str, region_label: str) -> str:
    """Script lines in which a user proposes a team, answering topic and region."""
    return f"{user}> /newteam {team}\n{user}> {topic}\n{user}> [press {region_label}]\n"


def onboard(user: str, language_label: str, city: str) -> str:
    """Script lines that take one user through /start, language and time zone."""
    return f"{user}> /start\n{user}> [press {language_label}]\n{user}> /tz {city}\n"
