"""A real app (SQLite, real catalogue, a fixed clock) driven by identities, for the tests of
forms: people type and press as in a chat, then open and submit forms; what is stored and
queued is read back from the database."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App, build_app
from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from handlers.domain import PendingStep
from handlers.messages import ChatRef, Inbound, UserRef
from tests.scenarios.harness import Unchanged

START = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
CONFIG = """
[storage]
data_dir = "data"
[helpdesk]
coordinators = {coordinators}
default_language = "en"
default_timezone = "UTC"
[translation]
providers = ["apertium"]
detect_language = false
"""


@dataclass
class Talk:
    """An app and ways to act in it as a person (``console:ana``, ``slack:T1/U1``)."""

    app: App
    url: str

    async def say(self, identity: str, text: str) -> None:
        """A person types in their private chat."""
        await self.app.receive(Inbound(_user(identity), _chat(identity), text=text))

    async def press(self, identity: str, data: str) -> None:
        """A person presses a button carrying this data."""
        await self.app.receive(Inbound(_user(identity), _chat(identity), button=data))

    async def pending(self, identity: str) -> PendingStep | None:
        """The guided command a person is in."""
        def read() -> PendingStep | None:
            with self.app.desk.unit_of_work() as uow:
                member = uow.members.by_identity(identity)
                return uow.conversations.get(member.id) if member is not None else None
        return await self.app.database.run(read)

    async def rows(self, sql: str) -> list[tuple[object, ...]]:
        """Rows straight from the database."""
        def read() -> list[tuple[object, ...]]:
            with self.app.database.engine.connect() as conn:
                return [tuple(row) for row in conn.exec_driver_sql(sql)]
        return await self.app.database.run(read)

    async def outbox(self) -> list[tuple[object, ...]]:
        """Every queued message: who (identity), where (chat id) and the text."""
        return await self.rows("SELECT identity, chat_id, text FROM outbox ORDER BY id")


def _user(identity: str) -> UserRef:
    name = identity.rsplit("/", 1)[-1].split(":")[-1]
    return UserRef(identity, name[:1].upper() + name[1:])


def _chat(identity: str) -> ChatRef:
    platform, _, who = identity.partition(":")
    return ChatRef(platform, who)


@asynccontextmanager
async def talk(tmp_path: Path, *coordinators: str) -> AsyncIterator[Talk]:
    """A fresh app on SQLite in ``tmp_path`` with these coordinators."""
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(coordinators=list(coordinators)).replace("'", '"'))
    settings = load_settings(config, environ={})
    url = f"sqlite:///{tmp_path / 'peerdesk.db'}"
    app = await build_app(settings, url, VirtualClock(START), RandomJoinCodes(random.Random(1)),
                          {}, [Unchanged()])
    try:
        yield Talk(app, url)
    finally:
        await app.close()
