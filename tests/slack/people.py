"""The members and channels most Slack tests use, and a client for the local Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.web_api_server import SlackServer
from tests.slack.workspace import Workspace

ANA, BRUNO, GONE = "U0ANA0001", "U0BRUNO01", "U0GONE001"
TEAM_CHANNEL, ARCHIVED, OUTSIDE = "C0TEAM001", "C0OLD0001", "C0OUTSIDE"


def seed(space: Workspace) -> None:
    """Ana (pt-BR), Bruno (en-US), a deactivated member, the team's channel, an archived
    channel and one the bot is not in."""
    space.add_user(ANA, "ana", locale="pt-BR", tz="America/Sao_Paulo")
    space.add_user(BRUNO, "bruno")
    space.add_user(GONE, "gone", deleted=True)
    space.add_channel(TEAM_CHANNEL, "team-docs")
    space.add_channel(ARCHIVED, "old-team", archived=True)
    space.add_channel(OUTSIDE, "elsewhere", bot_member=False)


@asynccontextmanager
async def local_slack() -> AsyncIterator[tuple[SlackServer, AsyncWebClient]]:
    """A seeded local Slack on 127.0.0.1 and an AsyncWebClient with the bot token for it."""
    async with SlackServer() as server:
        seed(server.workspace)
        client = AsyncWebClient(token=server.bot_token, base_url=server.api_url)
        try:
            yield server, client
        finally:
            if client.session is not None:
                await client.session.close()
