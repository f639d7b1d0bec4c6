"""``peerdesk run`` in webhook mode, and the local Bot API server's webhook methods: setWebhook
refuses what Telegram refuses; start-up failures (port taken, URL refused) are one line."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import BadRequest

from bot.config import Settings, load_settings
from bot.run import NothingToRun, run_platforms
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.updates import user
from tests.telegram.webhooks import deliver

SECRET = "run-secret_0123456789"
CONFIG = """
[storage]
data_dir = "data"
[telegram]
enabled = true
base_url = "{base_url}"
base_file_url = "{base_file_url}"
mode = "webhook"
webhook_listen = "127.0.0.1"
webhook_port = {port}
webhook_url = "https://bot.example.org/tg"
[delivery.telegram]
chat_interval_seconds = 0
[translation]
providers = ["apertium"]
detect_language = false
[health]
port = 0
"""


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def settings_for(server: BotApiServer, tmp_path: Path, port: int,
                 monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, dict[str, str]]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)  # loopback only, never through a proxy
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(base_url=server.base_url,
                                    base_file_url=server.base_file_url, port=port))
    environ = {"PEERDESK_TELEGRAM_TOKEN": server.token,
               "PEERDESK_TELEGRAM_WEBHOOK_SECRET": SECRET}
    return load_settings(config, environ=environ), environ


async def test_run_in_webhook_mode_greets_a_member_and_stops(
        bot_api_server: BotApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = bot_api_server
    port = free_port()
    settings, environ = settings_for(server, tmp_path, port, monkeypatch)
    stop = asyncio.Event()
    running = asyncio.create_task(run_platforms(settings, environ, stop))
    await server.wait_for(lambda: bool(server.webhook_url), within=15)
    assert server.webhook_secret == SECRET  # from the environment, never from config.toml
    update = server.factory.message_from(user(21, "Awa", language_code="fr"), "/start")
    assert await deliver(server, f"http://127.0.0.1:{port}/tg", update) == 200
    await server.wait_for(lambda: bool(server.texts_to(21)), within=15)
    assert "Bienvenue" in server.texts_to(21)[0]
    stop.set()
    await asyncio.wait_for(running, timeout=15)
    assert not [c for c in server.calls if c.method == "getUpdates"]
    with pytest.raises(OSError):  # the server is gone
        await deliver(server, f"http://127.0.0.1:{port}/tg", update)


async def test_a_port_in_use_is_one_line(bot_api_server: BotApiServer, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        settings, environ = settings_for(bot_api_server, tmp_path, port, monkeypatch)
        with pytest.raises(NothingToRun, match=f"cannot listen on 127.0.0.1:{port}/tg for the "
                                               "Telegram webhook"):
            await run_platforms(settings, environ, asyncio.Event())
    assert not bot_api_server.webhook_url


async def test_a_webhook_telegram_refuses_is_one_line(
        bot_api_server: BotApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bot_api_server.fail_next("setWebhook", error_code=400,
                             description="Bad Request: bad webhook: Failed to resolve host: "
                                         "Name or service not known")
    settings, environ = settings_for(bot_api_server, tmp_path, free_port(), monkeypatch)
    refused = r"(?i)Telegram refused the webhook https://bot\.example\.org/tg .*resolve host"
    with pytest.raises(NothingToRun, match=refused):
        await run_platforms(settings, environ, asyncio.Event())


async def test_set_webhook_refuses_what_telegram_refuses(bot_api_server: BotApiServer,
                                                         telegram_bot: Bot) -> None:
    for url, secret, refusal in [
            ("http://bot.example.org/tg", None, "An HTTPS URL must be provided"),
            ("https://bot.example.org:8080/tg", None, "only on ports 80, 88, 443 or 8443"),
            ("https://bot.example.org/tg", "not allowed!", "secret token contains unallowed")]:
        with pytest.raises(BadRequest, match="(?i)" + refusal):
            await telegram_bot.set_webhook(url, secret_token=secret)
    assert not bot_api_server.webhook_url
    assert await telegram_bot.set_webhook("https://bot.example.org:88/tg", secret_token="ok_1",
                                          allowed_updates=["message"])
    info = await telegram_bot.get_webhook_info()
    assert info.url == "https://bot.example.org:88/tg" and info.allowed_updates == ("message",)
    assert bot_api_server.webhook_secret == "ok_1"
    assert await telegram_bot.set_webhook("")  # an empty URL removes it
    assert (await telegram_bot.get_webhook_info()).url == ""
    assert bot_api_server.webhook_secret == ""
