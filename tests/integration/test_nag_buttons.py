"""Forged or stale nag buttons are refused with a clear reply, and store nothing."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import build_app
from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from handlers.messages import ChatRef, Inbound, UserRef
from tests.scenarios.harness import Recorder, Unchanged


@pytest.mark.parametrize(("data", "reply"), [
    ("nag:z:overdue:abc:1", "no longer applies"),
    ("nag:z:nonsense:1:1", "no longer applies"),
    ("nag:z:overdue:1:7", "no longer applies"),
    ("nag:za:2", "no longer applies"),
    ("nag:o:overdue:999", "already settled"),
    ("nag:z:review:5:1", "already settled"),
    ("nag:za:1", "already settled"),
])
async def test_forged_and_stale_nag_buttons(tmp_path: Path, database_url: str, data: str,
                                            reply: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text("")
    output: list[str] = []
    channel = Recorder(output.append)
    app = await build_app(load_settings(config, environ={}), database_url,
                          VirtualClock(datetime(2026, 3, 2, 12, tzinfo=UTC)),
                          RandomJoinCodes(random.Random(1)), {"console": channel}, [Unchanged()])
    try:
        who = UserRef("console:bob", "Bob", "en")
        chat = ChatRef("console", "bob")
        await app.receive(Inbound(who, chat, "/lang en"))
        await app.receive(Inbound(who, chat, button=data))
        await app.deliver()
        with app.database.engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT COUNT(*) FROM nags").scalar_one()
    finally:
        await app.close()
    assert reply in channel.sent[-1].text, channel.sent[-1].text
    assert stored == 0
