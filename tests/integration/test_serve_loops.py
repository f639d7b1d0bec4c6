"""``peerdesk run`` translates beside sending: a message quoting someone is translated and
delivered while the dispatcher is still busy with a send that does not end (a platform slow to
answer, or a long broadcast), instead of waiting for that drain to finish."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_app
from bot.clock import VirtualClock
from bot.codes import RandomJoinCodes
from bot.config import load_settings
from bot.dispatcher import Delivery
from bot.pacing import DeliveryLimits, Pacer
from bot.runtime import serve
from handlers.messages import ChatRef, Inbound, UserRef
from storage.outbox import QueuedMessage
from tests.scenarios.harness import Recorder, Unchanged, first_code, play

# Ana (English) leads Rios, Bruno (Portuguese) is in it; Carla coordinates.
SETUP = """
:clock 2026-03-02T10:00:00Z
carla> /start
carla> [press English]
carla> [press Maputo]
ana> /start
ana> [press English]
ana> [press Maputo]
ana> /newteam Rios
ana> Budgets
ana> [press Southern Africa]
bruno> /start
bruno> [press Português]
bruno> [press Maputo]
bruno> /join {code}
"""


class HeldRecorder(Recorder):
    """The console, where sends to one person hang until ``release`` is set."""

    def __init__(self, write: Callable[[str], None], held: str) -> None:
        super().__init__(write)
        self.held = held
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, message: QueuedMessage) -> Delivery:
        if message.identity == f"console:{self.held}":
            self.holding.set()
            await self.release.wait()
        return await super().send(message)


def said(user: str, text: str) -> Inbound:
    return Inbound(UserRef(f"console:{user}", user.title()), ChatRef("console", user), text=text)


async def until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.05)


async def test_a_quoted_message_is_translated_and_sent_while_a_send_hangs(
        tmp_path: Path, database_url: str) -> None:
    (tmp_path / "setup").mkdir()
    setup = await play(SETUP.format(code=first_code()), tmp_path / "setup",
                       database_url=database_url)
    assert setup.exit_code == 0 and setup.find("bruno", "Rios"), setup.errors
    config = tmp_path / "config.toml"
    config.write_text('[helpdesk]\ncoordinators = ["console:carla"]\n'
                      '[translation]\nproviders = ["apertium"]\ndetect_language = false\n')
    channel = HeldRecorder(lambda _line: None, held="carla")
    app = await build_app(load_settings(config, environ={}), database_url,
                          VirtualClock(datetime(2026, 3, 2, 11, 0, tzinfo=UTC)),
                          RandomJoinCodes(random.Random(1)), {"console": channel}, [Unchanged()])
    # The console sends one message at a time, strictly in order; here it sends as Telegram
    # and Slack do, several at once, so that one hanging send leaves room for others.
    app.dispatcher.pacer = Pacer({"console": DeliveryLimits(in_flight=4)})
    stop = asyncio.Event()
    running = asyncio.create_task(serve(app, stop, interval=0.1))
    try:
        await app.receive(said("carla", "/help"))
        await until(channel.holding.is_set, 20, "carla's answer never started")
        await app.receive(said("ana", "/t The report is ready for review"))
        await until(lambda: any("The report is ready" in s.text
                                for s in channel.sent if s.user == "bruno"),
                    20, "bruno's translated copy waited for carla's send to end")
        assert not [s for s in channel.sent if s.user == "carla"]  # still hanging meanwhile
        channel.release.set()
        await until(lambda: any(s.user == "carla" for s in channel.sent), 20,
                    "carla's answer was not sent once the platform answered")
    finally:
        channel.release.set()
        stop.set()
        await running
        await app.close()
    copy = next(s for s in channel.sent if s.user == "bruno" and "The report is ready" in s.text)
    assert copy.language == "pt"
