"""One peerdesk on three platforms at once, for the cross-platform scenario: the Slack adapter
(slack-bolt over Socket Mode against the local Slack), the Telegram adapter
(python-telegram-bot polling the local Bot API server) and the console, all on 127.0.0.1, one
App with a channel for each, delivering as it goes.

:class:`World` is what a test drives: people write (and press buttons, reply in threads, share
files) on their own platform through that platform's real adapter; what the bot sent is read
where it landed — the local Slack's conversations, the Bot API server's calls, the console's
numbered blocks. The clock is virtual, so the sweep (nags) is driven by hand, as the console's
``:clock`` does.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App, build_app
from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from bot.console import ConsoleSession
from bot.runtime import deliver_until
from bot.script import parse_line
from bot.slack.channel import SlackChannel
from bot.slack.wiring import slack_adapter
from bot.telegram.adapter import TelegramAdapter
from bot.telegram.channel import TelegramChannel
from storage.platform_updates import UpdateJournal
from tests.scenarios.harness import Recorder, Sent
from tests.slack.running import button_press, dm_event, environ, event_callback, eventually
from tests.slack.web_api_server import SlackServer
from tests.slack.workspace import JSON
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.offline import server_application

TEAM = "T0PEERDSK"
CONFIG = """
[storage]
data_dir = "{data}"
[helpdesk]
coordinators = ["slack:{team}/{coordinator}"]
require_team_approval = false
default_language = "en"
default_timezone = "UTC"
[slack]
enabled = true
base_url = "{slack_url}"
[delivery.slack]
chat_interval_seconds = 0
[delivery.telegram]
chat_interval_seconds = 0
[translation]
providers = {providers}
detect_language = false
"""
WITHIN = 15.0  # seconds a step may take before the test fails (Apertium is the slow part)


def slack_identity(user: str) -> str:
    """A Slack user's identity in peerdesk."""
    return f"slack:{TEAM}/{user}"


@dataclass
class World:
    """The running peerdesk and the three platforms its people use."""

    app: App
    clock: VirtualClock
    slack: SlackServer
    telegram: BotApiServer
    console: Recorder
    session: ConsoleSession
    console_output: list[str]
    _triggers: Iterator[int] = field(default_factory=lambda: itertools.count(13345224609))

    # ------------------------------------------------------------------ people write

    async def slack_says(self, user: str, text: str, *, thread_ts: str | None = None,
                         files: list[JSON] | None = None) -> None:
        """A message in the user's DM with the bot (a thread reply with ``thread_ts``: once
        every message is sent and recorded, so the one replied to is known — a person does
        not reply within the milliseconds between Slack showing a message and its record)."""
        if thread_ts is not None:
            await self.settle()
        event = dm_event(user, text, thread_ts=thread_ts, files=files)
        await self.slack.socket_mode.push("events_api", event_callback(event))

    async def slack_command(self, user: str, text: str, channel: str = "") -> None:
        """``/peerdesk TEXT`` typed in the user's DM with the bot, or in ``channel`` (each with
        a trigger id of its own, as Slack gives every invocation)."""
        where = channel or "D" + user[1:]
        name = "directmessage" if where.startswith("D") else \
            self.slack.workspace.conversations[where].name
        payload = {"token": "verification-token", "team_id": TEAM, "team_domain": "peer",
                   "channel_id": where, "channel_name": name,
                   "user_name": self.slack.workspace.users[user]["name"],
                   "user_id": user, "command": "/peerdesk", "text": text,
                   "api_app_id": self.slack.socket_mode.app_id,
                   "trigger_id": f"{next(self._triggers)}.738474920.{uuid.uuid4().hex[:10]}",
                   "response_url": "http://127.0.0.1/commands/response"}
        await self.slack.socket_mode.push("slash_commands", payload,
                                          accepts_response_payload=True)

    async def slack_presses(self, user: str, label: str) -> None:
        """The user presses the button so labelled on the newest message of their DM that has
        one."""
        dm = "D" + user[1:]
        for message in reversed(self.slack.workspace.posted(dm)):
            for value in _slack_buttons(message, label):
                payload = button_press(user, dm, message["ts"], value)
                await self.slack.socket_mode.push_interactive(payload)
                return
        raise AssertionError(f"{user} has no message with a [{label}] button")

    async def slack_channel_says(self, user: str, channel: str, text: str) -> None:
        """A message in a channel, not addressed to the bot."""
        event = {"type": "message", "channel": channel, "channel_type": "channel",
                 "user": user, "text": text, "ts": dm_event(user, "")["ts"], "team": TEAM}
        await self.slack.socket_mode.push("events_api", event_callback(event))

    def slack_file(self, name: str, content: bytes, mimetype: str) -> JSON:
        """A file a Slack user uploaded, as a message event describes it."""
        stored = self.slack.workspace.add_file(name, content, mimetype)
        return self.slack.workspace.file_json(stored, self.slack.base_url)

    async def telegram_says(self, sender: JSON, text: str, reply_to: int | None = None) -> None:
        """A message in the sender's private chat with the bot (a reply once every message
        is sent and recorded, as for Slack threads)."""
        if reply_to is not None:
            await self.settle()
        self.telegram.push_message(sender, text, reply_to=reply_to)

    def telegram_presses(self, sender: JSON, label: str) -> None:
        """The sender presses the button so labelled on the newest message that has one."""
        for call in reversed(self.telegram.sent_to(int(sender["id"]))):
            markup = call.params.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if button["text"].removeprefix("✓ ") == label:
                        self.telegram.push_callback(sender, call.result["message_id"],
                                                    button["callback_data"])
                        return
        raise AssertionError(f"{sender['first_name']} has no message with a [{label}] button")

    async def console_says(self, line: str) -> None:
        """One line of the console's grammar (``marie> /t Bonjour``, ``marie> [reply 12] …``),
        handed to the help desk; the delivery loop sends the answers."""
        step = parse_line(line)
        assert step is not None, line
        await self.app.receive(self.session.inbound(step))

    async def sweep_at(self, moment: datetime) -> int:
        """Set the clock and do what is due then (nags...), as the scheduler would."""
        self.clock.set(moment)
        return await self.app.sweep()

    # ------------------------------------------------------------------ what they received

    def slack_dm(self, user: str) -> list[JSON]:
        """Everything in the user's DM with the bot (thread replies too), oldest first."""
        return [m for m in self.slack.workspace.posted("D" + user[1:])
                if m.get("user") == self.slack.workspace.bot_user]

    def slack_texts(self, user: str) -> list[str]:
        """The texts the bot posted in the user's DM."""
        return [str(m.get("text", "")) for m in self.slack_dm(user)]

    def slack_message(self, user: str, fragment: str) -> JSON:
        """The newest message in the user's DM containing a fragment."""
        found = [m for m in self.slack_dm(user) if fragment in str(m.get("text", ""))]
        assert found, f"nothing with {fragment!r} for {user}: {self.slack_texts(user)}"
        return found[-1]

    def telegram_texts(self, sender: JSON) -> list[str]:
        """The texts the bot sent to the sender's private chat."""
        return self.telegram.texts_to(int(sender["id"]))

    def telegram_message_id(self, sender: JSON, fragment: str) -> int:
        """The id of the newest message to the sender that contains a fragment."""
        for call in reversed(self.telegram.sent_to(int(sender["id"]))):
            if fragment in str(call.params.get("text", "")):
                return int(call.result["message_id"])
        raise AssertionError(f"nothing with {fragment!r} for {sender['first_name']}")

    def console_found(self, user: str, fragment: str) -> list[Sent]:
        """What a console user received that contains a fragment (French no-break spaces read
        as spaces: the catalogue uses both)."""
        return [s for s in self.console.sent
                if s.user == user and fragment in s.text.replace("\xa0", " ")]

    async def until(self, done: Callable[[], bool], within: float = WITHIN) -> None:
        """Wait until ``done()`` holds (everything runs in this loop)."""
        await eventually(done, within)

    async def unfinished(self) -> list[tuple[Any, ...]]:
        """What is not done: outbox rows not sent (identity, status, error) and payloads
        recorded but not handled, per platform."""
        def read() -> list[tuple[Any, ...]]:
            with self.app.database.engine.connect() as conn:
                rows = [tuple(row) for row in conn.exec_driver_sql(
                    "SELECT identity, status, error FROM outbox WHERE status != 'sent'")]
            for platform in ("slack", "telegram"):
                journal = UpdateJournal(self.app.database.engine, platform)
                rows += [(platform, "unhandled", str(p)) for p in journal.unfinished()]
            return rows
        return await self.app.database.run(read)

    async def settle(self, within: float = WITHIN) -> None:
        """Wait until everything received is handled and everything queued is sent."""
        deadline = asyncio.get_running_loop().time() + within
        while left := await self.unfinished():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"still unfinished after {within} s: {left}")
            await asyncio.sleep(0.05)

    # ------------------------------------------------------------------ one turn each

    async def telegram_turn(self, sender: JSON, text: str = "", *, press: str = "",
                            reply_to: int | None = None) -> str:
        """The sender writes (or presses); everything the bot sent them for it, once all is
        sent (the texts one after another: the order of a chat's messages is the outbox's,
        but when each arrives is not)."""
        before = len(self.telegram_texts(sender))
        if press:
            self.telegram_presses(sender, press)
        else:
            await self.telegram_says(sender, text, reply_to)
        await self.until(lambda: len(self.telegram_texts(sender)) > before)
        await self.settle()
        return "\n\n".join(self.telegram_texts(sender)[before:])

    async def slack_turn(self, user: str, command: str = "", *, text: str = "",
                         press: str = "", thread_ts: str | None = None,
                         files: list[JSON] | None = None) -> str:
        """The user types ``/peerdesk COMMAND``, writes in their DM (perhaps in a thread, with
        files) or presses a button; everything the bot posted them for it, once all is sent."""
        before = len(self.slack_dm(user))
        if press:
            await self.slack_presses(user, press)
        elif command:
            await self.slack_command(user, command)
        else:
            await self.slack_says(user, text, thread_ts=thread_ts, files=files)
        await self.until(lambda: len(self.slack_dm(user)) > before)
        await self.settle()
        return "\n\n".join(self.slack_texts(user)[before:])

    async def console_turn(self, line: str) -> str:
        """One console line; everything its writer got for it, once all is sent (French
        no-break spaces as spaces)."""
        user = line.split(">", 1)[0].strip().lower()
        before = len([s for s in self.console.sent if s.user == user])
        await self.console_says(line)
        await self.until(lambda: len([s for s in self.console.sent if s.user == user]) > before)
        await self.settle()
        got = [s.text for s in self.console.sent if s.user == user][before:]
        return "\n\n".join(got).replace("\xa0", " ")


def slack_has(world: World, user: str, fragment: str) -> Callable[[], bool]:
    """Whether the bot posted a fragment in a Slack user's DM."""
    return lambda: any(fragment in text for text in world.slack_texts(user))


def telegram_has(world: World, sender: JSON, fragment: str) -> Callable[[], bool]:
    """Whether the bot sent a fragment to a Telegram user."""
    return lambda: any(fragment in text for text in world.telegram_texts(sender))


def console_has(world: World, user: str, fragment: str) -> Callable[[], bool]:
    """Whether the bot printed a fragment for a console user."""
    return lambda: bool(world.console_found(user, fragment))


def _slack_buttons(message: JSON, label: str) -> list[str]:
    return [element["value"] for block in message.get("blocks", [])
            if block.get("type") == "actions" for element in block["elements"]
            if element["text"]["text"].removeprefix("✓ ") == label]


@asynccontextmanager
async def running_world(slack: SlackServer, client: AsyncWebClient, telegram: BotApiServer,
                        tmp_path: Path, database_url: str, start: datetime, *,
                        coordinator: str, providers: list[Any] | None = None,
                        ) -> AsyncIterator[World]:
    """peerdesk on Slack, Telegram and the console at once; ``providers`` None: the real
    Apertium the configuration names."""
    for user in list(slack.workspace.users):  # people who write to the bot have a DM
        slack.workspace.dm(user)
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(
        data=tmp_path / "data", team=TEAM, coordinator=coordinator, slack_url=slack.api_url,
        providers='["apertium"]' if providers is None else '[]'))
    env = environ(slack)
    settings = load_settings(config, environ=env)
    clock = VirtualClock(start)
    output: list[str] = []
    console = Recorder(output.append)
    application = server_application(telegram)
    app = await build_app(settings, database_url, clock, RandomJoinCodes(random.Random(1)),
                          {"slack": SlackChannel(client, part_pause=0),
                           "telegram": TelegramChannel(application.bot),
                           "console": console}, providers)
    slack_side = slack_adapter(app, settings, env, client, clock)
    telegram_side = TelegramAdapter(app, application,
                                    UpdateJournal(app.database.engine, "telegram"),
                                    settings.storage.data_dir / "incoming",
                                    settings.deliverables.max_size_mb * 1024 * 1024, clock)
    session = ConsoleSession(app, console, clock, tmp_path, output.append)
    stop = asyncio.Event()
    delivering = asyncio.create_task(deliver_until(app, stop, interval=0.05))
    try:
        await slack_side.start()
        await telegram_side.start()
        yield World(app, clock, slack, telegram, console, session, output)
    finally:
        stop.set()
        await delivering
        await telegram_side.stop()
        await slack_side.stop()
        await app.close()
