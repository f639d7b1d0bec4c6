"""The Slack crash test: ``kill -9`` the real ``peerdesk run`` (HTTP mode) while a burst of
signed events is arriving, restart it, let Slack retry what was not acknowledged, and check
that every event was handled exactly once and every person was answered.

Slack's side, as it behaves: an event whose request got no 200 (the connection died with the
process) is sent again with ``X-Slack-Retry-Num``; one acknowledged may still be retried (an
ack Slack saw too late), so some of those are sent again as well. peerdesk's side: an event is
answered 200 only once recorded in the journal, and marked handled in the same transaction as
its handling — so each of them ends with exactly one outbox row (one greeting), however many
times it was delivered. The greetings themselves may be sent twice only for sends in flight at
the kill (the dispatcher's bound, as in the Telegram crash test)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections import Counter
from pathlib import Path

import aiohttp
from sqlalchemy import text

from bot.pacing import SLACK
from storage.database import build_engine
from tests.slack.running import SIGNING_SECRET, dm_event, event_callback, eventually
from tests.slack.signed import post, signed_headers
from tests.slack.web_api_server import SlackServer
from tests.telegram.bot_process import BotProcess

PEOPLE = 240
KILL_AFTER = 80  # events acknowledged before the kill
AGAIN = 20  # acknowledged events Slack sends once more anyway
JSON_TYPE = "application/json"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _config(directory: Path, server: SlackServer, port: int) -> Path:
    config = directory / "config.toml"
    config.write_text(f"""
[storage]
data_dir = "{directory / 'data'}"
database_url = "sqlite:///{directory / 'data' / 'peerdesk.db'}"
[slack]
enabled = true
mode = "http"
base_url = "{server.api_url}"
http_listen = "127.0.0.1"
http_port = {port}
[translation]
providers = ["apertium"]
detect_language = false
[health]
port = 0
""")
    return config


def _user(number: int) -> str:
    return f"U0P{number:06d}"


async def _ready(session: aiohttp.ClientSession, url: str, process: BotProcess) -> None:
    """Wait until the process answers Slack's URL check."""
    check = json.dumps({"type": "url_verification", "challenge": "ready", "token": "x"})
    for _attempt in range(300):
        try:
            status, _text = await post(session, url, check,
                                       signed_headers(check, content_type=JSON_TYPE))
            if status == 200:
                return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(process.output())


def _rows_per_person(url: str) -> Counter[str]:
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            identities = conn.execute(text("SELECT identity FROM outbox")).scalars().all()
            unfinished = conn.execute(text("SELECT count(*) FROM platform_updates "
                                           "WHERE done_at IS NULL")).scalar_one()
    finally:
        engine.dispose()
    assert unfinished == 0
    return Counter(identities)


async def test_kill_9_during_a_burst_of_events(tmp_path: Path) -> None:
    async with SlackServer() as server:
        for number in range(PEOPLE):
            server.workspace.add_user(_user(number), f"person{number}")
            server.workspace.dm(_user(number))
        port = _free_port()
        config = _config(tmp_path, server, port)
        url = f"http://127.0.0.1:{port}/slack/events"
        secrets = {"PEERDESK_SLACK_BOT_TOKEN": server.bot_token,
                   "PEERDESK_SLACK_SIGNING_SECRET": SIGNING_SECRET}
        first = BotProcess(config, secrets, tmp_path / "first-run.log")
        second = BotProcess(config, secrets, tmp_path / "second-run.log")
        bodies = [json.dumps(event_callback(dm_event(_user(n), "/start"),
                                            event_id=f"Ev0CRASH{n:05d}")) for n in range(PEOPLE)]
        acked: set[int] = set()
        async with aiohttp.ClientSession(trust_env=False) as session:
            try:
                await first.start()
                await _ready(session, url, first)
                gate = asyncio.Semaphore(16)  # Slack's own concurrency towards one app

                async def deliver(number: int) -> None:
                    async with gate:
                        body = bodies[number]
                        try:
                            status, _t = await post(session, url, body, signed_headers(
                                body, content_type=JSON_TYPE))
                        except aiohttp.ClientError:
                            return  # the process died: Slack will retry
                        if status == 200:
                            acked.add(number)
                        if len(acked) >= KILL_AFTER and first.process is not None \
                                and first.process.returncode is None:
                            first.kill()

                await asyncio.gather(*(deliver(n) for n in range(PEOPLE)))
                assert await first.wait(10) == -9, first.output()
                assert KILL_AFTER <= len(acked) < PEOPLE, "the kill landed part-way"

                await second.start()
                await _ready(session, url, second)
                retried = [n for n in range(PEOPLE) if n not in acked] + sorted(acked)[:AGAIN]
                for number in retried:
                    body = bodies[number]
                    headers = {**signed_headers(body, content_type=JSON_TYPE),
                               "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
                    status, _t = await post(session, url, body, headers)
                    assert status == 200, second.output()

                def everyone_answered() -> bool:
                    return all(server.workspace.posted("D" + _user(n)[1:])
                               for n in range(PEOPLE))

                await eventually(everyone_answered, within=60)
                assert await second.stop() == 0, second.output()
            finally:
                await first.close()
                await second.close()
        rows = _rows_per_person(f"sqlite:///{tmp_path / 'data' / 'peerdesk.db'}")
        assert set(rows) == {f"slack:T0PEERDSK/{_user(n)}" for n in range(PEOPLE)}
        assert set(rows.values()) == {1}, "an event was handled twice"
        sent = Counter(len(server.workspace.posted("D" + _user(n)[1:])) for n in range(PEOPLE))
        assert sum(count for times, count in sent.items() if times > 1) <= SLACK.in_flight
