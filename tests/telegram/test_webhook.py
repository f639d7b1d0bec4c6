"""Webhook mode end to end: the adapter's own server on 127.0.0.1 receives updates posted the
way Telegram posts them, the local Bot API server gets setWebhook and the replies. Only the
right secret token gets in; an update is recorded before the 200, handled once, and handled
after a restart when the process died first."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.clock import SystemClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from bot.runtime import deliver_until
from bot.telegram.adapter import ALLOWED_UPDATES, TelegramAdapter
from bot.telegram.channel import TelegramChannel
from bot.webhook_settings import WebhookSettings
from storage.platform_updates import UpdateJournal
from tests.scenarios.harness import Unchanged
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.offline import server_application
from tests.telegram.test_adapter import running
from tests.telegram.updates import JSON, user
from tests.telegram.webhooks import deliver, post

ANA = user(11, "Ana", language_code="pt-br")
SECRET = "s3cret_Token-for-peerdesk"
PUBLIC_URL = "https://bot.example.org/telegram"  # never contacted: Telegram's side is local
CONFIG = """
[delivery.telegram]
# No pacing here: the test is about the path, not the pace.
chat_interval_seconds = 0
"""
HELP = "O que você pode fazer"


class Running:
    """peerdesk in webhook mode: its app, adapter, journal and the webhook's local address."""

    def __init__(self, app: App, adapter: TelegramAdapter) -> None:
        self.app = app
        self.adapter = adapter
        self.journal = UpdateJournal(app.database.engine, "telegram")
        assert adapter.server is not None
        self.address = f"http://127.0.0.1:{adapter.server.port}/telegram"

    async def unfinished(self) -> list[JSON]:
        """Updates recorded and not handled."""
        return await self.app.database.run(self.journal.unfinished)

    async def recorded(self) -> int | None:
        """The newest update recorded."""
        return await self.app.database.run(self.journal.last_update_id)


@asynccontextmanager
async def webhook_mode(server: BotApiServer, tmp_path: Path,
                       database_url: str) -> AsyncIterator[Running]:
    """peerdesk with its Telegram adapter in webhook mode (a free port of 127.0.0.1),
    delivering as it goes; stopped on exit."""
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    settings = load_settings(config, environ={})
    application = server_application(server)
    app = await build_app(settings, database_url, SystemClock(),
                          RandomJoinCodes(random.Random(1)),
                          {"telegram": TelegramChannel(application.bot)}, [Unchanged()])
    webhook = WebhookSettings(url=PUBLIC_URL, listen="127.0.0.1", port=0, path="/telegram")
    adapter = TelegramAdapter(app, application, UpdateJournal(app.database.engine, "telegram"),
                              tmp_path / "incoming", 20 * 1024 * 1024, SystemClock(),
                              webhook=webhook, secret_token=SECRET)
    stop = asyncio.Event()
    delivering = asyncio.create_task(deliver_until(app, stop, interval=0.05))
    try:
        await adapter.start()
        yield Running(app, adapter)
    finally:
        stop.set()
        await delivering
        await adapter.stop()
        await app.close()


def helped(server: BotApiServer) -> int:
    """How many /help answers Ana got."""
    return sum(HELP in text for text in server.texts_to(11))


async def test_start_sets_the_webhook_and_a_posted_update_is_answered(
        bot_api_server: BotApiServer, tmp_path: Path, database_url: str) -> None:
    server = bot_api_server
    async with webhook_mode(server, tmp_path, database_url) as bot:
        set_webhook = [c for c in server.calls if c.method == "setWebhook"]
        assert len(set_webhook) == 1 and set_webhook[0].ok
        assert set_webhook[0].params["url"] == PUBLIC_URL
        assert set_webhook[0].params["secret_token"] == SECRET
        assert set_webhook[0].params["allowed_updates"] == ALLOWED_UPDATES  # as polling
        assert not set_webhook[0].params.get("drop_pending_updates")
        info = await bot.adapter.application.bot.get_webhook_info()
        assert info.url == PUBLIC_URL and list(info.allowed_updates) == ALLOWED_UPDATES
        update = server.factory.message_from(ANA, "/start")
        assert await deliver(server, bot.address, update) == 200
        await server.wait_for(lambda: bool(server.texts_to(11)), within=10)
        assert "Boas-vindas ao peerdesk, Ana!" in server.texts_to(11)[0]
        # A button press on the greeting: answered and handled, through the webhook too.
        greeting = server.sent_to(11)[0].result
        press = server.factory.callback_from(ANA, greeting["message_id"], "lang:pt")
        assert await deliver(server, bot.address, press) == 200
        await server.wait_for(lambda: len(server.texts_to(11)) >= 2, within=10)
        assert [c for c in server.calls if c.method == "answerCallbackQuery"]
        assert await bot.recorded() == press["update_id"] and await bot.unfinished() == []
    assert not [c for c in server.calls if c.method in ("getUpdates", "deleteWebhook")]
    assert server.webhook_url == PUBLIC_URL  # left set at the stop: Telegram keeps updates


async def test_without_the_right_secret_nothing_is_recorded(
        bot_api_server: BotApiServer, tmp_path: Path, database_url: str) -> None:
    server = bot_api_server
    async with webhook_mode(server, tmp_path, database_url) as bot:
        update = server.factory.message_from(ANA, "/start")
        for secret in (None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper(),
                       "é" + SECRET[1:]):
            assert await post(bot.address, update, secret) == 403, secret
            assert await post(bot.address, b"not even json", secret) == 403, secret
        assert await bot.recorded() is None
        # The right one still gets in afterwards (and only that one is handled).
        assert await post(bot.address, update, SECRET) == 200
        await server.wait_for(lambda: bool(server.texts_to(11)), within=10)
        assert await bot.recorded() == update["update_id"]
    assert len(server.texts_to(11)) == 1


async def test_a_secret_header_of_raw_bytes_is_refused_too(
        bot_api_server: BotApiServer, tmp_path: Path, database_url: str) -> None:
    async with webhook_mode(bot_api_server, tmp_path, database_url) as bot:
        assert bot.adapter.server is not None
        reader, writer = await asyncio.open_connection("127.0.0.1", bot.adapter.server.port)
        body = json.dumps(bot_api_server.factory.message_from(ANA, "/start")).encode()
        writer.write(b"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     b"X-Telegram-Bot-Api-Secret-Token: \xff\xfe" + SECRET.encode() +
                     b"\r\nContent-Type: application/json\r\nContent-Length: " +
                     str(len(body)).encode() + b"\r\n\r\n" + body)
        await writer.drain()
        status = await reader.readline()
        writer.close()
        assert status.startswith(b"HTTP/1.1 403")
        assert await bot.recorded() is None


async def test_a_repeated_update_is_handled_once(bot_api_server: BotApiServer, tmp_path: Path,
                                                 database_url: str) -> None:
    server = bot_api_server
    async with webhook_mode(server, tmp_path, database_url) as bot:
        update = server.factory.message_from(ANA, "/help")
        first = await asyncio.gather(*(deliver(server, bot.address, update) for _ in range(3)))
        await server.wait_for(lambda: helped(server) == 1, within=10)
        assert first == [200, 200, 200]  # each repeat is answered 200 (else Telegram retries)
        assert await deliver(server, bot.address, update) == 200  # and once more, later
        later = server.factory.message_from(ANA, "/help")
        assert await deliver(server, bot.address, later) == 200
        await server.wait_for(lambda: helped(server) == 2, within=10)
        assert await bot.unfinished() == []
    assert helped(server) == 2


async def test_a_body_that_is_not_an_update_gets_400(
        bot_api_server: BotApiServer, tmp_path: Path, database_url: str) -> None:
    bodies = [b"", b"not json", b"\xff\xfe", b"[]", b"42", b'"text"',
              b'{"message": {"text": "hi"}}', b'{"update_id": "7"}', b'{"update_id": true}',
              b'{"update_id": -1}', b'{"update_id": 7, "message": "hi"}']
    async with webhook_mode(bot_api_server, tmp_path, database_url) as bot:
        for body in bodies:
            assert await post(bot.address, body, SECRET) == 400, body
        assert await bot.recorded() is None


async def test_only_posts_to_the_webhook_path_are_served(
        bot_api_server: BotApiServer, tmp_path: Path, database_url: str) -> None:
    async with webhook_mode(bot_api_server, tmp_path, database_url) as bot:
        update = bot_api_server.factory.message_from(ANA, "/start")
        assert await post(bot.address.replace("/telegram", "/other"), update, SECRET) == 404
        assert await bot.recorded() is None


async def test_an_update_not_recorded_is_not_acknowledged(
        bot_api_server: BotApiServer, tmp_path: Path, database_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    server = bot_api_server
    async with webhook_mode(server, tmp_path, database_url) as bot:
        def broken(*args: object) -> set[int]:
            raise OSError("disk full")

        monkeypatch.setattr(bot.journal.__class__, "record_many", broken)
        update = server.factory.message_from(ANA, "/help")
        assert await deliver(server, bot.address, update) == 500  # Telegram will retry…
        monkeypatch.undo()
        assert await deliver(server, bot.address, update) == 200  # …and then it gets in
        await server.wait_for(lambda: helped(server) == 1, within=10)


async def test_acknowledged_then_died_is_handled_after_the_restart(
        bot_api_server: BotApiServer, tmp_path: Path, database_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    server = bot_api_server
    updates = [server.factory.message_from(ANA, text) for text in ("/help", "/tickets")]
    async with webhook_mode(server, tmp_path, database_url) as bot:
        stuck = asyncio.Event()

        async def never(inbound: object) -> None:
            stuck.set()
            await asyncio.Event().wait()  # the process "dies" while handling the first

        monkeypatch.setattr(bot.app, "receive", never)
        for update in updates:  # answered 200 while the first is still being handled
            assert await deliver(server, bot.address, update) == 200
        await asyncio.wait_for(stuck.wait(), timeout=10)
        assert len(await bot.unfinished()) == 2
        assert bot.adapter._worker is not None
        bot.adapter._worker.cancel()  # kill -9: nothing else runs
        monkeypatch.undo()
    assert server.texts_to(11) == []
    async with webhook_mode(server, tmp_path, database_url) as bot:
        # Telegram may post one of them again meanwhile: it is a repeat, ignored.
        assert await deliver(server, bot.address, updates[0]) == 200
        await server.wait_for(lambda: len(server.texts_to(11)) >= 2, within=10)
        await server.wait_for(lambda: helped(server) == 1, within=10)
        assert await bot.unfinished() == []
    assert helped(server) == 1 and len(server.texts_to(11)) == 2


async def test_a_stop_finishes_the_update_being_handled(
        bot_api_server: BotApiServer, tmp_path: Path, database_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    server = bot_api_server
    updates = [server.factory.message_from(ANA, text) for text in ("/help", "/tickets")]
    async with webhook_mode(server, tmp_path, database_url) as bot:
        receive = bot.app.receive
        started, release = asyncio.Event(), asyncio.Event()

        async def slow(inbound: object) -> None:
            started.set()
            await release.wait()
            await receive(inbound)  # type: ignore[arg-type]

        monkeypatch.setattr(bot.app, "receive", slow)
        for update in updates:
            assert await deliver(server, bot.address, update) == 200
        await asyncio.wait_for(started.wait(), timeout=10)
        stopping = asyncio.create_task(bot.adapter.stop())  # SIGTERM
        await asyncio.sleep(0)
        assert not stopping.done()
        release.set()
        await asyncio.wait_for(stopping, timeout=10)
        # The first was finished; the second stays recorded for the next start.
        assert [u["update_id"] for u in await bot.unfinished()] == [updates[1]["update_id"]]
        monkeypatch.undo()


async def test_polling_deletes_a_webhook_left_set(bot_api_server: BotApiServer,
                                                  tmp_path: Path, database_url: str) -> None:
    server = bot_api_server
    await server.call("setWebhook", {"url": PUBLIC_URL, "secret_token": SECRET})
    async with running(server, tmp_path, database_url):
        server.push_message(ANA, "/help")
        await server.wait_for(lambda: helped(server) == 1, within=10)
    methods = [c.method for c in server.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    delete = next(c for c in server.calls if c.method == "deleteWebhook")
    assert not delete.params.get("drop_pending_updates")
    assert all(c.ok for c in server.calls if c.method == "getUpdates")  # no 409 Conflict
