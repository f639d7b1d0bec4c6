"""Fixtures: a started Bot API server on 127.0.0.1 and a PTB Bot pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.offline import server_bot


@pytest.fixture
async def bot_api_server() -> AsyncIterator[BotApiServer]:
    """A fake Telegram on a free port of 127.0.0.1, stopped after the test."""
    async with BotApiServer() as server:
        yield server


@pytest.fixture
async def telegram_bot(bot_api_server: BotApiServer) -> AsyncIterator[Bot]:
    """An initialized python-telegram-bot ``Bot`` talking to ``bot_api_server``."""
    async with server_bot(bot_api_server) as bot:
        yield bot
