"""The whole path of a nag in a running peerdesk: APScheduler's job → the sweep → the outbox →
the translation stage → the dispatcher → the platform, with nothing but the clock to start it."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_app
from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from bot.runtime import serve
from bot.scheduler import SchedulerSettings
from tests.scenarios.harness import Recorder, Unchanged, play

# Ana (Maputo) leads Rios; its task T1 was due on 1 March, and nothing was handed in.
SETUP = """
:clock 2026-02-20T10:00:00Z
ana> /start
ana> [press English]
ana> [press Maputo]
ana> /newteam Rios
ana> Budgets
ana> [press Southern Africa]
ana> /newtask Diagnosis
ana> A report
ana> 2026-03-01
ana> Ana
ana> [press No share]
"""


async def test_a_running_peerdesk_nags_on_its_own(tmp_path: Path, database_url: str) -> None:
    (tmp_path / "setup").mkdir()
    setup = await play(SETUP, tmp_path / "setup", database_url=database_url)
    assert setup.exit_code == 0 and setup.find("ana", "T1"), setup.errors
    config = tmp_path / "config.toml"
    config.write_text('[helpdesk]\ncoordinators = ["console:carla"]\n'
                      '[translation]\nproviders = ["apertium"]\ndetect_language = false\n')
    clock = VirtualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))  # Monday, 08:00 UTC
    output: list[str] = []
    channel = Recorder(output.append)
    app = await build_app(load_settings(config, environ={}), database_url, clock,
                          RandomJoinCodes(random.Random(1)), {"console": channel}, [Unchanged()])
    assert app.scheduler is not None
    app.scheduler.settings = SchedulerSettings(sweep_seconds=1, misfire_grace_seconds=30,
                                               lock_seconds=3)
    try:
        stop = asyncio.Event()
        running = asyncio.create_task(serve(app, stop, interval=0.1))
        deadline = asyncio.get_running_loop().time() + 20
        while not [s for s in channel.sent if "T1 «Diagnosis» of Rios was due" in s.text]:
            assert asyncio.get_running_loop().time() < deadline, [s.text for s in channel.sent]
            await asyncio.sleep(0.1)
        stop.set()
        await running
    finally:
        await app.close()
    nags = [s for s in channel.sent if "was due on 2026-03-01" in s.text]
    assert len(nags) == 1 and nags[0].user == "ana"
    assert nags[0].buttons == ["Open", "Snooze 1 day", "Snooze 3 days"]
