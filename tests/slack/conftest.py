"""Fixtures: a started local Slack on 127.0.0.1 and slack_sdk's AsyncWebClient pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.web_api_server import SlackServer

ANA, BRUNO, GONE = "U0ANA0001", "U0BRUNO01", "U0GONE001"
TEAM_CHANNEL, ARCHIVED, OUTSIDE = "C0TEAM001", "C0OLD0001", "C0OUTSIDE"


@pytest.fixture
async def slack_server() -> AsyncIterator[SlackServer]:
    """A fake Slack on a free port of 127.0.0.1 with a few members and channels: Ana (pt-BR),
    Bruno (en-US), a deactivated member, the team's channel, an archived channel and one the
    bot is not in; stopped after the test."""
    async with SlackServer() as server:
        space = server.workspace
        space.add_user(ANA, "ana", locale="pt-BR", tz="America/Sao_Paulo")
        space.add_user(BRUNO, "bruno")
        space.add_user(GONE, "gone", deleted=True)
        space.add_channel(TEAM_CHANNEL, "team-docs")
        space.add_channel(ARCHIVED, "old-team", archived=True)
        space.add_channel(OUTSIDE, "elsewhere", bot_member=False)
        yield server


@pytest.fixture
async def slack_client(slack_server: SlackServer) -> AsyncIterator[AsyncWebClient]:
    """slack_sdk's AsyncWebClient with the bot token, talking to ``slack_server``."""
    client = AsyncWebClient(token=slack_server.bot_token, base_url=slack_server.api_url)
    try:
        yield client
    finally:
        if client.session is not None:
            await client.session.close()
