"""The Telegram adapter end to end: python-telegram-bot polling the local Bot API server, the
help desk answering through the outbox and the dispatcher — a first /start in Portuguese, a
button, a repeated update handled once, a document fetched, and an update left unfinished by a
crash handled at the next start."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.clock import SystemClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from bot.runtime import deliver_until
from bot.telegram.adapter import TelegramAdapter
from bot.telegram.channel import TelegramChannel
from handlers.messages import Inbound
from storage.platform_updates import UpdateJournal
from tests.scenarios.harness import Unchanged
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.offline import server_application
from tests.telegram.updates import user

ANA = user(11, "Ana", language_code="pt-br")
CONFIG = """
[helpdesk]
coordinators = ["telegram:1"]
[delivery.telegram]
# No pacing here: the test is about the path, not the pace.
chat_interval_seconds = 0
"""


@asynccontextmanager
async def running(server: BotApiServer, tmp_path: Path, database_url: str,
                  desk_process: bool = False) -> AsyncIterator[tuple[App, TelegramAdapter]]:
    """peerdesk with its Telegram adapter polling ``server``, delivering as it goes (with
    ``desk_process``, the help desk in a second process)."""
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    settings = load_settings(config, environ={})
    settings = replace(settings, storage=replace(settings.storage, desk_process=desk_process))
    application = server_application(server)
    app = await build_app(settings, database_url, SystemClock(),
                          RandomJoinCodes(random.Random(1)),
                          {"telegram": TelegramChannel(application.bot)}, [Unchanged()])
    adapter = TelegramAdapter(app, application, UpdateJournal(app.database.engine, "telegram"),
                              tmp_path / "incoming", 20 * 1024 * 1024, SystemClock())
    stop = asyncio.Event()
    delivering = asyncio.create_task(deliver_until(app, stop, interval=0.05))
    try:
        await adapter.start()
        yield app, adapter
    finally:
        stop.set()
        await delivering
        await adapter.stop()
        await app.close()


@pytest.mark.parametrize("desk_process", [False, True], ids=["one-process", "desk-process"])
async def test_a_first_minute_on_telegram(bot_api_server: BotApiServer, tmp_path: Path,
                                          database_url: str, desk_process: bool) -> None:
    server = bot_api_server
    async with running(server, tmp_path, database_url, desk_process):
        server.push_message(ANA, "/start")
        await server.wait_for(lambda: len(server.texts_to(11)) >= 1, within=10)
        greeting = server.sent_to(11)[0]
        assert "Boas-vindas ao peerdesk, Ana!" in greeting.params["text"]
        assert "Português" in str(greeting.params["reply_markup"])
        # A button press: answered (the spinner stops) and handled.
        server.push_callback(ANA, greeting.result["message_id"], "lang:pt")
        await server.wait_for(lambda: len(server.texts_to(11)) >= 2, within=10)
        assert [c for c in server.calls if c.method == "answerCallbackQuery"]
        # The same update twice: handled once.
        before = len(server.texts_to(11))
        server.push_message(ANA, "/help", duplicate=True)
        await server.wait_for(lambda: any("O que você pode fazer" in t
                                          for t in server.texts_to(11)), within=10)
        await asyncio.sleep(0.3)
        assert len(server.texts_to(11)) == before + 1
        # A document is fetched (getFile, download) and handed to the help desk.
        server.push_document(ANA, b"%PDF-1.7 draft", "tor.pdf", caption="T1 draft")
        await server.wait_for(lambda: len(server.texts_to(11)) >= before + 2, within=10)
        assert [c for c in server.calls if c.method == "getFile"]


async def test_an_update_left_unfinished_is_handled_at_the_next_start(
        bot_api_server: BotApiServer, tmp_path: Path, database_url: str) -> None:
    server = bot_api_server
    async with running(server, tmp_path, database_url) as (app, _adapter):
        update = server.factory.message_from(ANA, "/help")
        journal = UpdateJournal(app.database.engine, "telegram")
        now = datetime.now(UTC)
        assert await app.database.run(lambda: journal.record(update["update_id"], update, now))
    # "Crashed" after recording it; the next start handles it, once.
    async with running(server, tmp_path, database_url) as (app, _adapter):
        await server.wait_for(lambda: any("O que você pode fazer" in t
                                          for t in server.texts_to(11)), within=10)
        journal = UpdateJournal(app.database.engine, "telegram")
        assert await app.database.run(journal.unfinished) == []


async def test_command_menus_in_each_language(bot_api_server: BotApiServer, tmp_path: Path,
                                              database_url: str) -> None:
    from telegram import BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats

    async with running(bot_api_server, tmp_path, database_url) as (_app, adapter):
        bot = adapter.application.bot
        private = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(),
                                            language_code="pt")
        groups = await bot.get_my_commands(scope=BotCommandScopeAllGroupChats(),
                                           language_code="fr")
        default = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in private][:3] == ["start", "help", "team"]
    assert [c.command for c in private][-3:] == ["export", "forget", "cancel"]
    assert all(c.description and not c.description.startswith("/") for c in private)
    assert "ask" in [c.command for c in groups] and "lang" not in [c.command for c in groups]
    assert {c.command: c.description for c in private} != {
        c.command: c.description for c in default}


async def test_a_file_that_cannot_be_fetched_does_not_block_the_start(
        bot_api_server: BotApiServer, tmp_path: Path, database_url: str) -> None:
    server = bot_api_server
    update = server.factory.document_from(ANA, b"%PDF-1.7 x", "big.pdf", caption="T1")
    async with running(server, tmp_path, database_url) as (app, _adapter):
        server.push_message(ANA, "/start")
        await server.wait_for(lambda: bool(server.texts_to(11)), within=10)
        journal = UpdateJournal(app.database.engine, "telegram")
        now = datetime.now(UTC)
        await app.database.run(lambda: journal.record(update["update_id"], update, now))
    server.fail_next("getFile", error_code=400, description="Bad Request: file is too big")
    async with running(server, tmp_path, database_url) as (app, _adapter):
        await server.wait_for(lambda: any("big.pdf" in t for t in server.texts_to(11)),
                              within=10)
        journal = UpdateJournal(app.database.engine, "telegram")
        assert await app.database.run(journal.unfinished) == []


async def test_updates_are_recorded_before_telegram_forgets_them(
        bot_api_server: BotApiServer, tmp_path: Path, database_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    server = bot_api_server
    async with running(server, tmp_path, database_url) as (app, adapter):
        stuck = asyncio.Event()

        async def never(inbound: object) -> None:
            stuck.set()
            await asyncio.Event().wait()  # the process "dies" while handling the first

        monkeypatch.setattr(app, "receive", never)
        for text in ("/help", "/tickets", "/nags"):
            server.push_message(ANA, text)
        await asyncio.wait_for(stuck.wait(), timeout=10)
        journal = UpdateJournal(app.database.engine, "telegram")
        assert len(await app.database.run(journal.unfinished)) == 3
        assert adapter._polling is not None and adapter._worker is not None
        adapter._polling.cancel()  # kill -9: nothing else runs
        adapter._worker.cancel()
        monkeypatch.undo()
    async with running(server, tmp_path, database_url):
        await server.wait_for(lambda: len(server.texts_to(11)) >= 3, within=10)
    assert any("O que você pode fazer" in t for t in server.texts_to(11))


async def test_an_update_whose_handling_failed_is_tried_again_without_a_restart(
        bot_api_server: BotApiServer, tmp_path: Path, database_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    server = bot_api_server
    async with running(server, tmp_path, database_url) as (app, adapter):
        adapter.retry.delays = (0.05, 0.05)
        receive = app.receive
        failures: list[str] = []

        async def flaky(inbound: Inbound) -> None:
            if not failures:
                failures.append(inbound.text)
                raise OSError("database is locked")
            await receive(inbound)

        monkeypatch.setattr(app, "receive", flaky)
        server.push_message(ANA, "/start")
        await server.wait_for(lambda: len(server.texts_to(11)) >= 1, within=10)
        assert failures == ["/start"]
        assert "Boas-vindas ao peerdesk, Ana!" in server.texts_to(11)[0]
        journal = UpdateJournal(app.database.engine, "telegram")  # handled: nothing waits
        assert await app.database.run(journal.unfinished) == []
