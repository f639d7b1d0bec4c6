"""The health and metrics endpoint on a real database, after real console activity: the numbers
/metrics reports match what happened, /healthz is 200 while all is well and 503 once the
database is gone, and it does not wait behind a busy help desk."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.app import App, build_app
from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from bot.console import ConsoleSession
from bot.health import HealthServer, health_server
from bot.health_checks import DatabaseLooks, HealthChecks
from bot.script import parse_line
from handlers.domain import Language
from handlers.ports import OutboxRow
from storage.uow import SqlUnitOfWork
from tests.integration.conftest import free_port
from tests.scenarios.harness import Recorder, first_code

CONFIG = """
[helpdesk]
coordinators = ["console:carla"]
[translation]
providers = ["apertium"]
detect_language = false
[health]
port = 0
"""
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
SCRIPT = f"""
:clock {START:%Y-%m-%dT%H:%M:%SZ}
carla> /start
carla> [press English]
ana> /start
ana> [press Português]
ana> /newteam Rios
ana> Orçamento participativo
ana> [press África Austral]
diego> /start
diego> [press Español]
diego> /join {first_code()}
ana> /t Reunião amanhã às 10h
ana> /t Reunião amanhã às 10h
diego> /ask ¿Dónde envío el informe?
:clock +3d
"""
INBOUND = sum(1 for line in SCRIPT.strip().splitlines() if not line.startswith(":"))
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class Marking:
    """A translation provider that marks its output with the target language."""

    name = "marking"
    max_chars = 5000
    pivot: Language | None = None

    def __init__(self) -> None:
        self.calls: list[str] = []

    def supports(self, source: Language, target: Language) -> bool:
        return True

    async def translate(self, text: str, source: Language, target: Language) -> str:
        self.calls.append(text)
        return f"({target.value}) {text}"

    async def aclose(self) -> None:
        return None


@dataclass
class Link:
    """A platform connection whose state the test sets."""

    healthy: bool = True


@pytest.fixture
def marking() -> Marking:
    """The provider of the app below."""
    return Marking()


@pytest.fixture
async def app(tmp_path: Path, marking: Marking, database_url: str) -> AsyncIterator[App]:
    """A console peerdesk after the script above (on SQLite, and PostgreSQL when there is
    one)."""
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    clock = VirtualClock(START)
    channel = Recorder(lambda _text: None)
    built = await build_app(load_settings(config, environ={}), database_url, clock,
                            RandomJoinCodes(random.Random(1)), {"console": channel}, [marking])
    session = ConsoleSession(built, channel, clock, tmp_path, lambda _text: None)
    try:
        for line in SCRIPT.strip().splitlines():
            step = parse_line(line)
            if step is not None:
                await session.play(step)
        yield built
    finally:
        await built.close()


async def serve(app: App, tmp_path: Path, link: Link) -> HealthServer:
    """The endpoint of ``app`` started on a free port of 127.0.0.1."""
    settings = load_settings(tmp_path / "config.toml", environ={})
    server = health_server(settings, app, {"console": link})
    await server.start()
    return server


def samples(text: str) -> Samples:
    """Every sample of a Prometheus text exposition, by name and labels."""
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(found: Samples, name: str, **labels: str) -> float:
    """One sample's value (KeyError when it is missing)."""
    return found[(name, frozenset(labels.items()))]


async def test_metrics_count_what_happened(app: App, marking: Marking, tmp_path: Path) -> None:
    clock = app.dispatcher.clock
    with SqlUnitOfWork(app.database.engine) as uow:  # one message waiting 90 s, unsent
        member = uow.members.add("Zoe", "console:zoe", Language.EN, "UTC", clock.now())
        uow.outbox.add([OutboxRow(member.id, "console:zoe", None, Language.EN, "hello", [],
                                  None, None, clock.now() - timedelta(seconds=90))])
        uow.commit()
    assert app.scheduler is not None
    await app.scheduler.sweep_now()
    with app.database.engine.connect() as conn:
        sent = conn.exec_driver_sql("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").scalar()
        nags = conn.execute(text(  # Diego's question, daily from 48 h on
            "SELECT COUNT(*) FROM outbox WHERE identity = 'console:carla' AND text LIKE :nag"),
            {"nag": "%without an answer%"}).scalar()
    server = await serve(app, tmp_path, Link())
    try:
        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.get(f"http://127.0.0.1:{server.port}/metrics")
    finally:
        await server.stop()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = samples(response.text)
    assert value(found, "peerdesk_inbound_messages_total", platform="console") == INBOUND
    assert sent and value(found, "peerdesk_sends_total", platform="console",
                          result="sent") == sent
    assert value(found, "peerdesk_sends_total", platform="console", result="failed") == 0
    # "Reunião…" to Diego (es) once; the second time from the cache.
    assert marking.calls.count("Reunião amanhã às ⟦0⟧") == 1  # the time is kept as written
    assert value(found, "peerdesk_translation_calls_total", provider="marking") == \
        len(marking.calls)
    # That repeat, and the nags quoting Diego's question, from the cache.
    hits = value(found, "peerdesk_translation_cache_hits_total", provider="marking")
    assert hits >= 1 and hits == app.translator.hits
    assert value(found, "peerdesk_translation_failures_total", provider="marking") == 0
    assert nags and value(found, "peerdesk_nags_sent_total", rule="help") == nags
    assert value(found, "peerdesk_outbox_depth", platform="console", status="pending") == 1
    assert value(found, "peerdesk_outbox_oldest_unsent_age_seconds") == 90
    assert value(found, "peerdesk_database_up") == 1
    assert value(found, "peerdesk_scheduler_sweeps_total") == 1
    assert value(found, "peerdesk_scheduler_active") == 0
    assert value(found, "peerdesk_scheduler_last_sweep_timestamp_seconds") == \
        clock.now().timestamp()
    assert ("process_cpu_seconds_total", frozenset()) in found  # the process's own


async def test_healthz_is_200_when_all_is_well_and_503_when_a_platform_is_down(
        app: App, tmp_path: Path) -> None:
    link = Link()
    server = await serve(app, tmp_path, link)
    url = f"http://127.0.0.1:{server.port}/healthz"
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            fine = await client.get(url)
            link.healthy = False
            down = await client.get(url)
    finally:
        await server.stop()
    assert fine.status_code == 200, fine.text
    body = fine.json()
    assert body["status"] == "ok"
    assert {name: check["state"] for name, check in body["checks"].items()} == {
        "process": "ok", "database": "ok", "console": "ok", "translator": "ok"}
    assert "apertium: reachable" in body["checks"]["translator"]["detail"]
    assert down.status_code == 503
    assert down.json()["status"] == "failing"
    assert down.json()["checks"]["console"] == {"state": "failing", "detail": "not connected"}


async def test_healthz_is_503_once_the_sqlite_file_is_gone(app: App, tmp_path: Path) -> None:
    database = tmp_path / "data" / "peerdesk.db"
    if not app.database.url.startswith("sqlite"):
        pytest.skip("a SQLite file")  # PostgreSQL: see the test of a server not answering
    server = await serve(app, tmp_path, Link())
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            database.rename(tmp_path / "moved.db")
            gone = await client.get(f"http://127.0.0.1:{server.port}/healthz")
            metrics = await client.get(f"http://127.0.0.1:{server.port}/metrics")
    finally:
        await server.stop()
    assert gone.status_code == 503
    checks = gone.json()["checks"]
    assert checks["database"]["state"] == "failing"
    assert "unable to open database file" in checks["database"]["detail"]
    assert checks["console"]["state"] == "ok"
    assert value(samples(metrics.text), "peerdesk_database_up") == 0


async def test_the_database_check_does_not_wait_behind_a_busy_help_desk(
        app: App, tmp_path: Path) -> None:
    server = await serve(app, tmp_path, Link())
    busy = asyncio.ensure_future(app.database.run(lambda: time.sleep(4)))  # longer than a check
    try:
        await asyncio.sleep(0.1)
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            response = await client.get(f"http://127.0.0.1:{server.port}/healthz")
        assert not busy.done()
    finally:
        await busy
        await server.stop()
    assert response.status_code == 200, response.text


async def test_a_postgresql_server_that_does_not_answer_fails_the_check_quickly() -> None:
    looks = DatabaseLooks(f"postgresql+psycopg://peerdesk:s3cret@127.0.0.1:{free_port()}/pd")
    try:
        started = time.monotonic()
        report = await HealthChecks({"database": looks.answers}).run()
    finally:
        looks.close()
    assert time.monotonic() - started < 5
    assert not report.ok
    detail = report.as_json()["checks"]
    assert isinstance(detail, dict) and detail["database"]["state"] == "failing"
    assert "s3cret" not in detail["database"]["detail"]
