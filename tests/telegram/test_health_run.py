"""``peerdesk run`` against the local Bot API server serves /healthz and /metrics over HTTP: the
real command (its help desk in a second process, JSON logs at DEBUG without the token), the
Telegram check failing while Telegram cannot be reached, and a taken port stopping the command
with one line."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import load_settings
from bot.run import run_platforms
from tests.integration.conftest import free_port
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.bot_process import PROXIES, BotProcess, write_config
from tests.telegram.updates import user


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXIES:
        monkeypatch.delenv(name, raising=False)  # loopback only, never through a proxy


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port of 127.0.0.1 something else listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield int(other.getsockname()[1])


def health_config(directory: Path, server: BotApiServer, port: int, extra: str = "") -> Path:
    """The test process's configuration with the endpoint on ``port``."""
    config = write_config(directory, server, extra)
    config.write_text(config.read_text().replace("[health]\nport = 0\n",
                                                 f"[health]\nport = {port}\n"))
    return config


async def healthz(client: httpx.AsyncClient, port: int, status: int,
                  within: float = 30) -> dict[str, dict[str, str]]:
    """The checks once /healthz answers ``status`` (waiting for it a while)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            response = await client.get(f"http://127.0.0.1:{port}/healthz")
            if response.status_code == status:
                checks: dict[str, dict[str, str]] = response.json()["checks"]
                return checks
        except httpx.TransportError:
            pass
        if loop.time() > deadline:
            pytest.fail(f"/healthz did not answer {status} within {within} s")
        await asyncio.sleep(0.2)


async def test_peerdesk_run_serves_health_and_metrics(
        bot_api_server: BotApiServer, tmp_path: Path) -> None:
    server = bot_api_server
    port = free_port()
    config = health_config(tmp_path, server, port,
                           '[logging]\nlevel = "DEBUG"\nformat = "json"\n')
    config.write_text(config.read_text().replace("[storage]\n", "[storage]\ndesk_process = true\n"))
    bot = BotProcess(config, {"PEERDESK_TELEGRAM_TOKEN": server.token}, tmp_path / "run.log")
    try:
        await bot.start()
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            checks = await healthz(client, port, 200)
            server.push_message(user(41, "Awa", language_code="fr"), "/start")
            await server.wait_for(lambda: bool(server.texts_to(41)), within=30)
            await asyncio.sleep(0.5)  # the send recorded
            response = await client.get(f"http://127.0.0.1:{port}/metrics")
        assert await bot.stop() == 0, bot.output()
    finally:
        await bot.close()
    assert {name: check["state"] for name, check in checks.items()} == {
        "process": "ok", "database": "ok", "telegram": "ok", "translator": "ok"}
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
             for family in text_string_to_metric_families(response.text)
             for sample in family.samples}
    # Counted in the adapters' process, though the help desk ran in a second one.
    assert found[("peerdesk_inbound_messages_total", (("platform", "telegram"),))] == 1
    assert found[("peerdesk_sends_total", (("platform", "telegram"), ("result", "sent")))] == \
        len(server.texts_to(41))
    assert found[("peerdesk_outbox_depth", (("platform", "telegram"), ("status", "pending")))] \
        == 0
    lines = bot.log.read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert any("getUpdates" in entry["message"] for entry in entries)  # httpx's request log
    assert server.token not in bot.log.read_text()
    assert "TEST-token-for-peerdesk" not in bot.log.read_text()


async def test_healthz_fails_while_telegram_cannot_be_reached(
        bot_api_server: BotApiServer, tmp_path: Path) -> None:
    server = bot_api_server
    port = free_port()
    environ = {"PEERDESK_TELEGRAM_TOKEN": server.token}
    settings = load_settings(health_config(tmp_path, server, port), environ=environ)
    stop = asyncio.Event()
    running = asyncio.create_task(run_platforms(settings, environ, stop))
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            assert (await healthz(client, port, 200))["telegram"]["state"] == "ok"
            await server.stop()  # Telegram is gone: the next getUpdates fails
            checks = await healthz(client, port, 503, within=20)
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=20)
    assert checks["telegram"] == {"state": "failing", "detail": "not connected"}
    assert checks["database"]["state"] == "ok"


async def test_a_taken_port_stops_peerdesk_run_with_one_line(
        bot_api_server: BotApiServer, tmp_path: Path, taken_port: int) -> None:
    config = health_config(tmp_path, bot_api_server, taken_port)
    bot = BotProcess(config, {"PEERDESK_TELEGRAM_TOKEN": bot_api_server.token},
                     tmp_path / "run.log")
    try:
        await bot.start()
        assert await bot.wait(30) == 2
    finally:
        await bot.close()
    output = bot.output()
    assert "Traceback" not in output
    assert output.splitlines()[-1] == (
        f"peerdesk: cannot listen on 127.0.0.1:{taken_port} for /healthz and /metrics "
        "(address already in use); set [health] listen and port, or enabled = false")
