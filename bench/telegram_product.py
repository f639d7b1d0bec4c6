"""The whole product on Telegram, for the Telegram benchmarks: seeded members, then what
``peerdesk run`` starts (bot/run.py) — the TelegramAdapter polling, the help desk, the
translation stage and the Dispatcher sending through TelegramChannel — pointed at a local Bot
API server on 127.0.0.1.

The only difference from ``peerdesk run``: PTB's HTTPX transports are built here with
``trust_env=False`` (no proxy named in the environment ever sees loopback traffic), with the
pool sizes PTB's ApplicationBuilder uses by default (256 for sending, 1 for getUpdates).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.app import App, build_app
from bot.clock import SystemClock
from bot.codes import RandomJoinCodes
from bot.collector import settle_after_start
from bot.config import load_settings
from bot.dispatcher import Channel
from bot.runtime import serve
from bot.telegram.adapter import TelegramAdapter
from bot.telegram.channel import TelegramChannel
from storage import models
from storage.database import Database
from storage.models import table
from storage.platform_updates import UpdateJournal

LANGUAGES = ("en", "pt", "es", "fr")
ZONES = ("Africa/Maputo", "Africa/Dakar", "America/Lima", "America/Sao_Paulo", "Africa/Nairobi",
         "Europe/Paris", "UTC")
PER_TEAM = 8
FIRST_USER_ID = 10_000_000
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class Person:
    """A Telegram user who is an onboarded member."""

    user_id: int
    name: str
    language: str

    def as_json(self) -> list[Any]:
        """As the server's ``/bench/messages`` takes a sender."""
        return [self.user_id, self.name, self.language]


def people(count: int) -> list[Person]:
    """``count`` members, languages in turn."""
    return [Person(FIRST_USER_ID + number, f"User{number}", LANGUAGES[number % 4])
            for number in range(count)]


def telegram_identity(person: Person) -> str:
    """The person's peerdesk identity on Telegram."""
    return f"telegram:{person.user_id}"


def seed(database: Database, members: list[Person], coordinator: Person | None,
         now: datetime, identity_of: Callable[[Person], str] = telegram_identity) -> None:
    """Members (identities on one platform: Telegram's unless told) in approved teams of
    eight, and a coordinator outside the teams; bulk inserts (not measured)."""
    everyone = members + ([coordinator] if coordinator else [])
    rows, idents, teams, memberships = [], [], [], []
    for member_id, person in enumerate(everyone, start=1):
        identity = identity_of(person)
        rows.append({"id": member_id, "name": person.name, "name_key": person.name.casefold(),
                     "language": person.language, "timezone": ZONES[member_id % len(ZONES)],
                     "primary_identity": identity, "created_at": now})
        idents.append({"identity": identity, "member_id": member_id,
                       "platform": identity.partition(":")[0],
                       "created_at": now})
        if person is coordinator:
            continue
        team = (member_id - 1) // PER_TEAM + 1
        memberships.append({"member_id": member_id, "team_id": team, "joined_at": now})
        if (member_id - 1) % PER_TEAM == 0:
            teams.append({"id": team, "name": f"Team {team}", "name_key": f"team {team}",
                          "topic": f"Topic {team % 37}", "region": "southern",
                          "join_code": f"J{team:05d}", "status": "approved",
                          "leader_id": member_id, "created_by": member_id, "created_at": now})
    with database.engine.begin() as conn:
        for model, values in ((models.MemberRow, rows), (models.IdentityRow, idents),
                              (models.TeamRow, teams), (models.TeamMemberRow, memberships)):
            if values:
                conn.execute(insert(table(model)), values)
        if coordinator is not None:
            conn.execute(insert(table(models.MemberRoleRow)), [
                {"member_id": len(everyone), "role": "coordinator", "granted_at": now,
                 "granted_by": None}])


def loopback_request(pool: int) -> HTTPXRequest:
    """PTB's HTTPX transport for 127.0.0.1, never through a proxy."""
    return HTTPXRequest(connection_pool_size=pool, read_timeout=30.0, connect_timeout=5.0,
                        httpx_kwargs={"trust_env": False})


def application_for(token: str, base: str) -> AnyApplication:
    """A PTB Application aimed at the local server at ``base`` (no Updater)."""
    return (ApplicationBuilder().token(token).base_url(f"{base}/bot")
            .base_file_url(f"{base}/file/bot").request(loopback_request(256))
            .get_updates_request(loopback_request(1)).updater(None).build())


@contextlib.asynccontextmanager
async def running_product(config: str, folder: Path, database_url: str, token: str, base: str,
                          members: list[Person], coordinator: Person | None = None,
                          ) -> AsyncIterator[App]:
    """peerdesk, configured by ``config`` (TOML text), on a freshly seeded database, polling
    the server at ``base`` and delivering through it, until the block ends."""
    path = folder / "config.toml"
    path.write_text(config + f'\n[storage]\ndata_dir = "{folder / "data"}"\n')
    settings = load_settings(path, environ={})
    application = application_for(token, base)
    channels: dict[str, Channel] = {"telegram": TelegramChannel(application.bot)}
    await application.initialize()
    clock = SystemClock()
    app = await build_app(settings, database_url, clock, RandomJoinCodes(random.Random(1)),
                          channels, invite_links={
                              "telegram": f"https://t.me/{application.bot.username}"
                                          "?start=join_{code}"})
    await app.database.run(lambda: seed(app.database, members, coordinator, clock.now()))
    adapter = TelegramAdapter(app, application, UpdateJournal(app.database.engine, "telegram"),
                              settings.storage.data_dir / "incoming",
                              settings.deliverables.max_size_mb * 1024 * 1024, clock)
    stop = asyncio.Event()
    serving: asyncio.Task[None] | None = None
    try:
        await adapter.start()
        settle_after_start()  # as `peerdesk run` does once started
        serving = asyncio.create_task(serve(app, stop))
        yield app
    finally:
        stop.set()
        if serving is not None:
            await serving
        await adapter.stop()
        await app.close()
