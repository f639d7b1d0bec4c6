"""``peerdesk run`` with Telegram enabled, against the local Bot API server: the configured
base URLs and token from the environment are used, a member is greeted, Ctrl-C stops it; with
no platform enabled it says what to do."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.run import run_platforms
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.updates import user

CONFIG = """
[storage]
data_dir = "data"
[telegram]
enabled = true
base_url = "{base_url}"
base_file_url = "{base_file_url}"
[delivery.telegram]
chat_interval_seconds = 0
[translation]
providers = ["apertium"]
detect_language = false
[health]
port = 0
"""


async def test_run_greets_a_member_and_stops(bot_api_server: BotApiServer, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)  # loopback only, never through a proxy
    server = bot_api_server
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(base_url=server.base_url,
                                    base_file_url=server.base_file_url))
    environ = {"PEERDESK_TELEGRAM_TOKEN": server.token}
    settings = load_settings(config, environ=environ)
    stop = asyncio.Event()
    running = asyncio.create_task(run_platforms(settings, environ, stop))
    server.push_message(user(21, "Awa", language_code="fr"), "/start")
    await server.wait_for(lambda: bool(server.texts_to(21)), within=15)
    assert "Bienvenue" in server.texts_to(21)[0]
    stop.set()
    await asyncio.wait_for(running, timeout=15)
    assert (tmp_path / "data" / "peerdesk.db").exists()


def test_run_with_no_platform_says_what_to_do(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text("")
    assert main(["--config", str(config), "run"]) == 2
    assert "no chat platform is enabled: set [telegram] enabled = true" in capsys.readouterr().out
