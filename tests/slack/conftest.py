"""Fixtures: a started, seeded local Slack on 127.0.0.1 (see people.py) and slack_sdk's
AsyncWebClient pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.people import local_slack
from tests.slack.web_api_server import SlackServer


@pytest.fixture
async def _local_slack() -> AsyncIterator[tuple[SlackServer, AsyncWebClient]]:
    async with local_slack() as pair:
        yield pair


@pytest.fixture
def slack_server(_local_slack: tuple[SlackServer, AsyncWebClient]) -> SlackServer:
    """A fake Slack on a free port of 127.0.0.1, seeded, stopped after the test."""
    return _local_slack[0]


@pytest.fixture
def slack_client(_local_slack: tuple[SlackServer, AsyncWebClient]) -> AsyncWebClient:
    """slack_sdk's AsyncWebClient with the bot token, talking to ``slack_server``."""
    return _local_slack[1]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client for posting to peerdesk's endpoint as Slack does (no proxy from the
    environment)."""
    async with aiohttp.ClientSession(trust_env=False) as client:
        yield client
