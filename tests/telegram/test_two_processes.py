"""Two ``peerdesk run`` processes on one PostgreSQL database, side by side behind a "load
balancer" (this test, posting Telegram's webhook updates to one of them): a 500-member broadcast
and a round of nags go out through both, one is killed (``kill -9``) in the middle, and nothing
is lost while duplicates stay within the sends the killed process had in flight.

What it shows:

- both processes send from the one outbox (each row is claimed by one of them: see
  :class:`storage.outbox.OutboxQueue`), and together they respect each chat's order;
- only one of them runs the scheduler (an advisory lock): the nags are queued once, and the
  survivor takes the scheduler over within seconds of the kill (the lock dies with the killed
  process's connection) and finishes the broadcast's report;
- what the killed process had claimed and not sent is sent by the survivor once its claims run
  out (``[delivery] claim_seconds``, short here); what it had sent without recording it yet —
  at most ``TELEGRAM.in_flight`` messages — is sent twice, and nothing else is.

The Bot API server enforces Telegram's limits for the bot as a whole (both processes share its
token) and answers each send a quarter of a second after carrying it out, so sends are under
way when the kill lands.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, text

from bot.pacing import TELEGRAM
from storage import models
from storage.database import build_engine
from storage.models import table
from tests.conftest import POSTGRES
from tests.databases import fresh_postgres_database
from tests.integration.conftest import free_port
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.bot_process import BotProcess
from tests.telegram.test_crash import (
    COORDINATOR,
    FIRST_MEMBER,
    MEMBERS,
    RECIPIENTS,
    TEXT,
    copy_to,
    offered_button,
    received,
    seed,
)
from tests.telegram.webhooks import deliver

SECRET = "two-processes_0123456789"
TEAMS = 50  # of ten members each; in every team four are responsible for an overdue task
NAGGED = TEAMS * 4
KILL_AFTER = 150  # broadcast copies delivered before the kill…
NAGS_FIRST = 40  # …and nags
CONFIG = """
[storage]
data_dir = "{data}"
database_url = "{url}"
[telegram]
enabled = true
base_url = "{base_url}"
base_file_url = "{base_file_url}"
mode = "webhook"
webhook_listen = "127.0.0.1"
webhook_port = {port}
webhook_url = "https://bot.example.org/tg"
[translation]
providers = ["apertium"]
detect_language = false
[scheduler]
sweep_seconds = 5
lock_seconds = 15
[followups]
window_start_hour = 0
window_end_hour = 24
weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
[delivery]
claim_seconds = 10
[health]
port = 0
"""


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database (required on CI, where scripts/test starts a server)."""
    if not POSTGRES:
        if os.environ.get("CI"):
            pytest.fail("CI runs the two-process test on PostgreSQL: no server was given")
        pytest.skip("needs PostgreSQL (PEERDESK_TEST_POSTGRES_URL)")
    with fresh_postgres_database(POSTGRES, "peerdesk_two") as url:
        yield url


def add_overdue_tasks(url: str) -> None:
    """50 teams of ten of the seeded members, each with a task two days late that four of its
    members are responsible for: one overdue nag each at the next sweep."""
    engine = build_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        ids = {identity: member for identity, member in conn.execute(text(
            "SELECT identity, member_id FROM identities"))}
        member = [ids[f"telegram:{FIRST_MEMBER + n}"] for n in range(MEMBERS)]
        conn.execute(insert(table(models.TeamRow)), [
            {"id": team + 1, "name": f"Team {team + 1}", "name_key": f"team {team + 1}",
             "topic": "Water", "region": "Africa", "join_code": f"J{team:05d}",
             "status": "approved", "leader_id": member[team * 10], "co_leader_id": None,
             "created_by": member[team * 10], "created_at": now} for team in range(TEAMS)])
        conn.execute(insert(table(models.TeamMemberRow)), [
            {"member_id": member[n], "team_id": n // 10 + 1, "joined_at": now}
            for n in range(TEAMS * 10)])
        late = now - timedelta(days=2)
        conn.execute(insert(table(models.TaskRow)), [
            {"id": team + 1, "team_id": team + 1, "title": "Field report", "output": "A report",
             "due_date": late.date().isoformat(), "due_at": late, "funds_share": None,
             "done": 0, "created_by": member[team * 10], "created_at": now}
            for team in range(TEAMS)])
        conn.execute(insert(table(models.TaskResponsibleRow)), [
            {"task_id": team + 1, "member_id": member[team * 10 + n]}
            for team in range(TEAMS) for n in range(4)])
    engine.dispose()


def outbox_rows(url: str) -> list[tuple[str, str | None, str]]:
    """(identity, context, status) of every outbox row."""
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute(text(
                "SELECT identity, context, status FROM outbox"))]
    finally:
        engine.dispose()


def nags(server: BotApiServer) -> Counter[int]:
    """How many messages other than the broadcast each member's chat received (the nags: the
    members say nothing, so the bot tells them nothing else)."""
    return Counter(call.chat_id for call in server.sent
                   if call.method == "sendMessage" and call.chat_id is not None
                   and call.chat_id != COORDINATOR["id"] and copy_to(call) is None)


async def until(done: Callable[[], bool], within: float) -> None:
    """Wait (polling) until ``done()`` holds: for what shows in logs and the database."""
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.1)


async def test_two_processes_one_killed_lose_nothing(tmp_path: Path, postgres_url: str,
                                                     ) -> None:
    url = postgres_url
    seed(url)  # Carla (coordinator) and 500 members in four languages
    async with BotApiServer() as server:
        server.enforce_limits()
        server.send_latency = 0.25
        secrets = {"PEERDESK_TELEGRAM_TOKEN": server.token,
                   "PEERDESK_TELEGRAM_WEBHOOK_SECRET": SECRET}
        ports, bots = [free_port(), free_port()], []
        for name, port in zip(("first", "second"), ports, strict=True):
            config = tmp_path / f"{name}.toml"
            config.write_text(CONFIG.format(
                data=tmp_path / "data", url=url, base_url=server.base_url,
                base_file_url=server.base_file_url, port=port))
            bots.append(BotProcess(config, secrets, tmp_path / f"{name}.log"))
        first, second = bots

        def holds_lock(bot: BotProcess) -> bool:
            return "holds the lock" in bot.output(last=400)

        async def post(update: dict[str, object]) -> None:
            """The load balancer: everything goes to the second process."""
            assert await deliver(server, f"http://127.0.0.1:{ports[1]}/tg", update) == 200

        async def press(prefix: str) -> None:
            """Carla presses a button, through the load balancer."""
            await post(server.factory.callback_from(COORDINATOR,
                                                    *await offered_button(server, prefix)))

        try:
            await first.start()  # the first one runs the scheduler…
            await until(lambda: holds_lock(first), within=30)
            await second.start()  # …the second one waits for its turn
            await until(lambda: "another instance" in second.output(last=400), within=30)
            await server.wait_for(lambda: bool(server.webhook_url), within=15)

            await post(server.factory.message_from(COORDINATOR, "/broadcast everyone"))
            await server.wait_for(lambda: len(server.texts_to(int(COORDINATOR["id"]))) >= 1,
                                  within=30)
            await post(server.factory.message_from(COORDINATOR, TEXT))
            await press("bc:now")
            await press("bc:ok:")
            add_overdue_tasks(url)  # the day's nags come due while the broadcast goes out

            def killed_midway() -> bool:
                if len(received(server)) < KILL_AFTER or len(nags(server)) < NAGS_FIRST:
                    return False
                first.kill()
                return True

            await server.wait_for(killed_midway, within=60)
            assert await first.wait(10) == -9, first.output()
            assert len(received(server)) < RECIPIENTS and len(nags(server)) < NAGGED, (
                "the kill landed part-way through both")

            # The survivor takes the scheduler over and everything goes out.
            await until(lambda: holds_lock(second), within=30)
            report = f"✅ Broadcast #1 is done: {RECIPIENTS} of {RECIPIENTS} delivered, 0 failed."
            await server.wait_for(
                lambda: len(received(server)) == RECIPIENTS and len(nags(server)) == NAGGED
                and report in server.texts_to(int(COORDINATOR["id"])), within=120)
            assert await second.stop() == 0, second.output()
        finally:
            await first.close()
            await second.close()

    rows = outbox_rows(url)
    assert {status for _identity, _context, status in rows} == {"sent"}
    carla = f"telegram:{COORDINATOR['id']}"
    queued_nags = Counter(identity for identity, context, _ in rows
                          if context != "broadcast" and identity != carla)
    assert len(queued_nags) == NAGGED and set(queued_nags.values()) == {1}, (
        "each nag queued once: one scheduler at a time")
    copies, nagged = received(server), nags(server)
    assert len(copies) == RECIPIENTS and len(nagged) == NAGGED, "nothing lost"
    twice = [chat for got in (copies, nagged) for chat, count in got.items() if count > 1]
    assert max(copies.values()) <= 2 and max(nagged.values()) <= 2
    assert len(twice) <= TELEGRAM.in_flight, (
        f"{len(twice)} duplicates: more than the killed process could have had in flight")
