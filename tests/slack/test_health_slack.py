"""``peerdesk run`` on the local Slack over Socket Mode serves /healthz with Slack's connection
among its checks, and /metrics counts what arrived from Slack and what was sent there."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import load_settings
from bot.run import run_platforms
from tests.integration.conftest import free_port
from tests.slack.people import ANA
from tests.slack.running import dm_event, environ, event_callback, eventually
from tests.slack.web_api_server import SlackServer
from tests.telegram.bot_process import PROXIES

CONFIG = """
[storage]
data_dir = "data"
[slack]
enabled = true
base_url = "{slack_url}"
[delivery.slack]
chat_interval_seconds = 0
[translation]
providers = ["apertium"]
detect_language = false
[health]
port = {port}
"""


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXIES:
        monkeypatch.delenv(name, raising=False)  # loopback only, never through a proxy


async def test_slack_is_checked_and_counted(slack_server: SlackServer, tmp_path: Path) -> None:
    slack_server.workspace.dm(ANA)
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(slack_url=slack_server.api_url, port=port))
    env = environ(slack_server)
    stop = asyncio.Event()
    running = asyncio.create_task(run_platforms(load_settings(config, environ=env), env, stop))
    try:
        await slack_server.socket_mode.wait_connected()
        await slack_server.socket_mode.push("events_api", event_callback(dm_event(ANA, "/start")))
        await eventually(lambda: bool(slack_server.workspace.posted("D" + ANA[1:])), within=15)
        await asyncio.sleep(0.5)  # the send recorded
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            health = await client.get(f"http://127.0.0.1:{port}/healthz")
            metrics = await client.get(f"http://127.0.0.1:{port}/metrics")
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=15)
    assert health.status_code == 200, health.text
    assert health.json()["checks"]["slack"] == {"state": "ok", "detail": "connected"}
    found = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
             for family in text_string_to_metric_families(metrics.text)
             for sample in family.samples}
    assert found[("peerdesk_inbound_messages_total", (("platform", "slack"),))] == 1
    assert found[("peerdesk_sends_total", (("platform", "slack"), ("result", "sent")))] == \
        len(slack_server.workspace.posted("D" + ANA[1:]))
