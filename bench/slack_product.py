"""The whole product on Slack, for the Slack benchmarks: members seeded with Slack identities,
then peerdesk's SlackAdapter as ``peerdesk run`` builds it (bot/slack/wiring.py) in HTTP mode —
bolt checks every request's signature — against the local Slack of tests/slack/ on 127.0.0.1,
and the signed Events API requests Slack sends when members write to the bot in DMs.

Delivery is not run: an event is done once the help desk's reply to it is committed in the
outbox (the adapter's :meth:`~bot.slack.adapter.SlackAdapter.queued`), so the figures are the
receiving side's — journal, ack, queue, profile, help desk, outbox — not chat.postMessage's.
Each member's Slack profile (``users.info``) is cached by the adapter for an hour: a first
round from every member fills the cache before anything is measured.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select
from telegram_product import Person, seed
from telegram_updates_bench import LANGUAGES_INDEX, MIX, PLAIN

from bot.app import build_app
from bot.clock import SystemClock
from bot.codes import RandomJoinCodes
from bot.collector import settle_after_start
from bot.config import load_settings
from bot.slack.adapter import SlackAdapter
from bot.slack.channel import SlackChannel
from bot.slack.inbound import identity
from bot.slack.wiring import slack_adapter
from storage.database import Database
from storage.models import OutboxRowModel, table
from tests.slack.running import SIGNING_SECRET, TEAM, dm_event, event_callback
from tests.slack.signed import event_body, signed_headers
from tests.slack.web_api import APP_TOKEN, BOT_TOKEN
from tests.slack.web_api_server import SlackServer

CONFIG = """
[translation]
providers = ["apertium"]

[slack]
enabled = true
mode = "{mode}"
base_url = "{base_url}"
"""
LOCALES = {"en": "en-US", "pt": "pt-BR", "es": "es-ES", "fr": "fr-FR"}
# A signed request: its exact body and its headers.
Signed = tuple[str, dict[str, str]]


def slack_user(person: Person) -> str:
    """The member's Slack user id."""
    return f"U{person.user_id}"


def slack_identity(person: Person) -> str:
    """The member's peerdesk identity on Slack."""
    return identity(TEAM, slack_user(person))


def texts(rng: random.Random, users: list[Person], count: int) -> list[tuple[Person, str]]:
    """``count`` DMs from the users in turn (shuffled): as the Telegram benchmark's mix, ½ text
    the bot does not understand, ¼ ``/help``, ¼ ``/team``; one reply each."""
    order = list(users)
    rng.shuffle(order)
    out = []
    for number in range(count):
        person = order[number % len(order)]
        kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        out.append((person, PLAIN[LANGUAGES_INDEX[person.language]] if kind == "plain"
                    else kind))
    return out


def signed_events(messages: list[tuple[Person, str]], first: int) -> list[Signed]:
    """The Events API requests for these DMs, each with its own event id (numbered from
    ``first``), signed now as Slack signs them."""
    out = []
    for number, (person, text) in enumerate(messages, start=first):
        user = slack_user(person)
        event = dm_event(user, text, ts=f"{1_800_000_000 + number // 1_000_000}."
                                        f"{number % 1_000_000:06d}")
        body = event_body(event_callback(event, event_id=f"Ev{number:010d}"))
        out.append((body, signed_headers(body, content_type="application/json")))
    return out


class Events:
    """Fresh signed requests, event ids never repeated within the run."""

    def __init__(self, seed: int, users: list[Person]) -> None:
        self.rng = random.Random(seed)
        self.users = users
        self.next = 1

    def batch(self, count: int) -> list[Signed]:
        """``count`` new requests."""
        out = signed_events(texts(self.rng, self.users, count), self.next)
        self.next += count
        return out


def bolt_request(signed: Signed) -> AsyncBoltRequest:
    """A signed request as bolt's aiohttp adapter hands it to ``async_dispatch``."""
    body, headers = signed
    return AsyncBoltRequest(body=body, headers=dict(headers))


def replies(database: Database) -> int:
    """How many messages wait in the outbox (blocking)."""
    with database.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table(OutboxRowModel)))
                   .scalar_one())


@asynccontextmanager
async def local_slack(members: list[Person]) -> AsyncIterator[SlackServer]:
    """The local Slack on 127.0.0.1 with the members in it (locales from their languages),
    each with a DM open with the bot."""
    async with SlackServer() as server:
        for person in members:
            server.workspace.add_user(slack_user(person), person.name,
                                      locale=LOCALES[person.language])
            server.workspace.dm(slack_user(person))
        yield server


@asynccontextmanager
async def running_product(api_url: str, folder: Path, database_url: str,
                          members: list[Person], mode: str = "http", desk_process: bool = False,
                          ) -> AsyncIterator[SlackAdapter]:
    """peerdesk on a freshly seeded database, taking Slack's requests until the block ends —
    in HTTP mode on a free port of 127.0.0.1, or connected over Socket Mode — with the local
    Slack's Web API at ``api_url``; nothing is delivered (see above). ``desk_process``: the
    help desk in its own process (``[storage] desk_process = true``)."""
    path = folder / "config.toml"
    path.write_text(CONFIG.format(base_url=api_url, mode=mode)
                    + f'\n[storage]\ndata_dir = "{folder / "data"}"\n')
    env = {"PEERDESK_SLACK_BOT_TOKEN": BOT_TOKEN, "PEERDESK_SLACK_APP_TOKEN": APP_TOKEN,
           "PEERDESK_SLACK_SIGNING_SECRET": SIGNING_SECRET}
    settings = load_settings(path, environ=env)
    settings = replace(settings, slack_app=replace(settings.slack_app, http_port=0),
                       storage=replace(settings.storage, desk_process=desk_process))
    client = AsyncWebClient(token=BOT_TOKEN, base_url=api_url)
    clock = SystemClock()
    app = await build_app(settings, database_url, clock, RandomJoinCodes(random.Random(1)),
                          {"slack": SlackChannel(client)})
    try:
        await app.database.run(lambda: seed(app.database, members, None, clock.now(),
                                            slack_identity))
        adapter = slack_adapter(app, settings, env, client, clock)
        await adapter.start()
        settle_after_start()  # as `peerdesk run` does once started
        try:
            yield adapter
        finally:
            await adapter.stop()
    finally:
        await app.close()
        if client.session is not None:
            await client.session.close()
