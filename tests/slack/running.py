"""peerdesk with its Slack adapter against the local Slack, delivering as it goes, and the
payloads Slack would send (a DM, a slash command, a button press) for the tests to push."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App, build_app
from bot.clock import SystemClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from bot.runtime import deliver_until
from bot.slack.adapter import SlackAdapter
from bot.slack.channel import SlackChannel
from bot.slack.surfaces import Surfaces
from bot.slack.wiring import slack_adapter
from tests.scenarios.harness import Unchanged
from tests.slack.web_api_server import SlackServer
from tests.slack.workspace import JSON

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0PEERDSK"
CONFIG = """
[helpdesk]
coordinators = ["slack:T0PEERDSK/U0COORD01"]
[slack]
enabled = true
mode = "{mode}"
base_url = "{base_url}"
[delivery.slack]
# No pacing here: the tests are about the path, not the pace.
chat_interval_seconds = 0
"""


def environ(server: SlackServer) -> dict[str, str]:
    """The variables ``[slack]`` reads, for the local Slack."""
    return {"PEERDESK_SLACK_BOT_TOKEN": server.bot_token,
            "PEERDESK_SLACK_APP_TOKEN": server.app_token,
            "PEERDESK_SLACK_SIGNING_SECRET": SIGNING_SECRET}


@asynccontextmanager
async def running_slack(server: SlackServer, client: AsyncWebClient, tmp_path: Path,
                        database_url: str, *, mode: str = "socket",
                        surfaces: Surfaces | None = None,
                        start: bool = True, desk_process: bool = False,
                        ) -> AsyncIterator[tuple[App, SlackAdapter]]:
    """peerdesk on the local Slack (HTTP mode on a free port of 127.0.0.1); with
    ``desk_process``, the help desk in a second process."""
    for user in list(server.workspace.users):  # people who write to the bot have a DM
        server.workspace.dm(user)
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(mode=mode, base_url=server.api_url))
    env = environ(server)
    settings = load_settings(config, environ=env)
    settings = replace(settings, slack_app=replace(settings.slack_app, http_port=0),
                       storage=replace(settings.storage, desk_process=desk_process))
    app = await build_app(settings, database_url, SystemClock(),
                          RandomJoinCodes(random.Random(1)),
                          {"slack": SlackChannel(client, part_pause=0)}, [Unchanged()])
    adapter = slack_adapter(app, settings, env, client, SystemClock(), surfaces)
    stop = asyncio.Event()
    delivering = asyncio.create_task(deliver_until(app, stop, interval=0.05))
    try:
        if start:
            await adapter.start()
        yield app, adapter
    finally:
        stop.set()
        await delivering
        await adapter.stop()
        await app.close()


def dm_event(user: str, text: str, *, ts: str | None = None, thread_ts: str | None = None,
             files: list[JSON] | None = None) -> JSON:
    """A message event in the user's DM with the bot."""
    event: JSON = {"type": "message", "channel": "D" + user[1:], "channel_type": "im",
                   "user": user, "text": text, "ts": ts or _ts(), "team": TEAM}
    if thread_ts:
        event["thread_ts"] = thread_ts
    if files:
        event.update(subtype="file_share", files=files)
    return event


def event_callback(event: JSON, event_id: str | None = None) -> JSON:
    """The Events API wrapper around one event."""
    return {"token": "verification-token", "team_id": TEAM, "api_app_id": "A0PEERAPP",
            "event": event, "type": "event_callback",
            "event_id": event_id or "Ev" + uuid.uuid4().hex[:10].upper(),
            "event_time": 1_800_000_000,
            "authorizations": [{"team_id": TEAM, "user_id": "U0PEERBOT", "is_bot": True}]}


def button_press(user: str, channel: str, message_ts: str, value: str) -> JSON:
    """A block_actions payload: ``user`` pressed a peerdesk button on a message."""
    return {"type": "block_actions", "team": {"id": TEAM, "domain": "peer"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0PEERAPP", "token": "verification-token",
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel,
                          "is_ephemeral": False},
            "trigger_id": f"{uuid.uuid4().int % 10**12}.1.{uuid.uuid4().hex[:8]}",
            "channel": {"id": channel, "name": "directmessage"},
            "actions": [{"action_id": "peerdesk:0:0", "block_id": "b0", "type": "button",
                         "value": value, "action_ts": "1800000000.000100"}]}


def _ts() -> str:
    return f"1800000{random.randint(100, 999)}.{random.randint(0, 999_999):06d}"


async def eventually(done: Callable[[], bool], within: float = 10.0) -> None:
    """Wait until ``done()`` holds (checked every 20 ms); fail after ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not done():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still not so after {within} s")
        await asyncio.sleep(0.02)


def buttons_of(message: JSON) -> list[str]:
    """The values of a posted message's buttons, in order."""
    return [element["value"] for block in message.get("blocks", [])
            if block.get("type") == "actions" for element in block["elements"]]


def submitted(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A view_submission's view: the opened view with the values typed or chosen."""
    state: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, value = block["element"], values.get(block["block_id"])
        kind = element["type"]
        if kind == "plain_text_input":
            state[block["block_id"]] = {"value": {"type": kind, "value": value}}
        elif kind == "static_select":
            option = {"value": value, "text": {"type": "plain_text", "text": "?"}}
            state[block["block_id"]] = {"value": {"type": kind, "selected_option":
                                                  option if value else None}}
        else:
            state[block["block_id"]] = {"value": {"type": kind, "selected_options": [
                {"value": v, "text": {"type": "plain_text", "text": v}} for v in value or []]}}
    return {**view, "state": {"values": state}}
