"""``peerdesk run`` with Slack enabled — alone over Socket Mode, and beside Telegram — against
the local Slack (and the local Bot API server): tokens from the environment, a member greeted on
each platform, Ctrl-C stops it; a token Slack refuses stops it with a line saying what to do."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.run import NothingToRun, run_platforms
from tests.slack.people import ANA
from tests.slack.running import dm_event, environ, event_callback, eventually
from tests.slack.web_api_server import SlackServer
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.updates import user

SLACK = """
[storage]
data_dir = "data"
[slack]
enabled = true
base_url = "{slack_url}"
[delivery.slack]
chat_interval_seconds = 0
[translation]
providers = ["apertium"]
detect_language = false
[health]
port = 0
"""
TELEGRAM = """
[telegram]
enabled = true
base_url = "{base_url}"
base_file_url = "{base_file_url}"
[delivery.telegram]
chat_interval_seconds = 0
"""


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)  # loopback only, never through a proxy


@pytest.fixture
async def bot_api_server() -> AsyncIterator[BotApiServer]:
    """The local Telegram beside the local Slack."""
    async with BotApiServer() as server:
        yield server


async def test_run_on_slack_and_telegram_at_once(slack_server: SlackServer,
                                                 bot_api_server: BotApiServer,
                                                 tmp_path: Path) -> None:
    slack_server.workspace.dm(ANA)
    config = tmp_path / "config.toml"
    config.write_text(SLACK.format(slack_url=slack_server.api_url) + TELEGRAM.format(
        base_url=bot_api_server.base_url, base_file_url=bot_api_server.base_file_url))
    env = {**environ(slack_server), "PEERDESK_TELEGRAM_TOKEN": bot_api_server.token}
    settings = load_settings(config, environ=env)
    stop = asyncio.Event()
    running = asyncio.create_task(run_platforms(settings, env, stop))
    await slack_server.socket_mode.push("events_api", event_callback(dm_event(ANA, "/start")))
    bot_api_server.push_message(user(21, "Awa", language_code="fr"), "/start")
    await eventually(lambda: bool(slack_server.workspace.posted("D" + ANA[1:])), within=15)
    await bot_api_server.wait_for(lambda: bool(bot_api_server.texts_to(21)), within=15)
    assert "Boas-vindas" in slack_server.workspace.posted("D" + ANA[1:])[0]["text"]
    assert "Bienvenue" in bot_api_server.texts_to(21)[0]
    stop.set()
    await asyncio.wait_for(running, timeout=15)
    assert not slack_server.socket_mode.sockets  # the connection was closed


async def test_a_refused_token_says_what_to_do(slack_server: SlackServer,
                                               tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(SLACK.format(slack_url=slack_server.api_url))
    env = {**environ(slack_server), "PEERDESK_SLACK_BOT_TOKEN": "xoxb-revoked"}
    settings = load_settings(config, environ=env)
    with pytest.raises(NothingToRun, match=r"Slack refused the bot token \(invalid_auth\); "
                                           r"check \$PEERDESK_SLACK_BOT_TOKEN"):
        await run_platforms(settings, env, asyncio.Event())


async def test_a_refused_app_token_stops_it_instead_of_hanging(slack_server: SlackServer,
                                                               tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(SLACK.format(slack_url=slack_server.api_url))
    env = {**environ(slack_server), "PEERDESK_SLACK_APP_TOKEN": "xapp-1-A0PEERAPP-revoked"}
    settings = load_settings(config, environ=env)
    with pytest.raises(NothingToRun, match=r"Slack refused the app-level token \(invalid_auth\)"
                                           r"; check \$PEERDESK_SLACK_APP_TOKEN"):
        await asyncio.wait_for(run_platforms(settings, env, asyncio.Event()), timeout=20)
    assert not slack_server.socket_mode.sockets
