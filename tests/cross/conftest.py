"""Fixtures: the local Slack (seeded, see tests/slack/people.py) with a client for it, and the
local Bot API server — both on 127.0.0.1, never through a proxy."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.people import local_slack
from tests.slack.web_api_server import SlackServer
from tests.telegram.bot_api_server import BotApiServer


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)  # loopback only


@pytest.fixture
async def slack() -> AsyncIterator[tuple[SlackServer, AsyncWebClient]]:
    """A seeded local Slack and slack_sdk's AsyncWebClient with the bot token for it."""
    async with local_slack() as pair:
        yield pair


@pytest.fixture
async def bot_api_server() -> AsyncIterator[BotApiServer]:
    """A local Telegram Bot API server."""
    async with BotApiServer() as server:
        yield server
