"""Each chat gets its messages in outbox order, even after a failure, and one chat's backlog
does not hold up the others' first messages: under a virtual timer, and through the real
TelegramChannel against the local Bot API server (127.0.0.1)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from telegram import Bot, Message
from telegram.error import NetworkError

from bot.clock import VirtualClock
from bot.dispatcher import Dispatcher
from bot.pacing import DeliveryLimits, VirtualTimer
from bot.telegram.channel import TelegramChannel
from storage import waiting
from storage.database import Database
from storage.delivery import Reachability
from storage.outbox import OutboxQueue, QueuedMessage, outbox
from tests.integration.test_pacing import SLOT, START, RecordingChannel, dispatcher, queue
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.offline import loopback_request, server_bot


def ids(database: Database) -> dict[str, int]:
    """Outbox id of each text."""
    with database.engine.connect() as conn:
        return {r[0]: r[1] for r in conn.exec_driver_sql("SELECT text, id FROM outbox")}


def set_status(database: Database, text: str, status: str) -> None:
    with database.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE outbox SET status = '{status}' WHERE text = '{text}'")


async def test_a_failed_message_holds_up_later_ones_to_its_chat_only(
        database: Database) -> None:
    queue(database, [("ana", None, "a1"), ("bob", None, "b1"), ("ana", None, "a2"),
                     ("bob", None, "b2"), ("ana", None, "a3")])
    timer, clock = VirtualTimer(), VirtualClock(START)
    channel = RecordingChannel(timer, {"a1": [TimeoutError()]})
    sender = dispatcher(database, channel, timer, clock)
    assert await sender.drain() == 2
    assert channel.texts == ["b1", "b2"]  # a2 and a3 wait for a1's retry
    clock.move("+1m")
    assert await sender.drain() == 3
    assert channel.texts == ["b1", "b2", "a1", "a2", "a3"]


async def test_waiting_messages_in_storage_keep_each_chat_in_order(database: Database) -> None:
    queue(database, [("ana", "-100", "g1"), ("bob", "-100", "g2"), ("bob", None, "b1"),
                     ("ana", None, "a1"), ("cid", None, "c1"), ("cid", None, "c2")])
    number = ids(database)
    outbox = OutboxQueue(database.engine)

    def texts(at: timedelta = timedelta(0)) -> list[str]:
        return [m.text for m in outbox.waiting(["telegram"], START + at)]

    set_status(database, "g1", "translating")
    # g1 holds the group (g2) and its reader (a1); bob's private chat goes on
    assert texts() == ["b1", "c1", "c2"]
    set_status(database, "g1", "pending")
    outbox.mark_failed(number["g1"], "timeout", permanent=False, now=START)
    assert texts() == ["b1", "a1", "c1", "c2"]  # g1 waits for its retry, g2 behind it
    assert texts(timedelta(seconds=5)) == ["g1", "g2", "b1", "a1", "c1", "c2"]
    Reachability(database.engine).mark_unreachable("telegram:ana", 1, "blocked", START)
    assert texts() == ["g2", "b1", "c1", "c2"]  # set aside: holds up nothing
    outbox.mark_failed(number["c1"], "Bad Request", permanent=True, now=START)  # dead letter
    assert texts() == ["g2", "b1", "c2"]
    assert [m.text for m in outbox.waiting(["telegram"], START, per_chat=1,
                                           skip=[number["g2"]])] == ["b1", "c2"]


async def test_one_chats_backlog_does_not_hold_up_the_others(database: Database) -> None:
    queue(database, [("busy", None, f"x{n}") for n in range(150)]
          + [(f"p{n:03}", None, "news") for n in range(200)])
    timer = VirtualTimer()
    channel = RecordingChannel(timer)
    sent = await dispatcher(database, channel, timer, longest_wait=5).drain(batch=100)
    assert sent == 350
    others = [at for chat, at in channel.sends if chat != "busy"]
    assert max(others) == pytest.approx(200 * SLOT, abs=12 * SLOT)  # not after the backlog
    busy = channel.times("busy")
    assert min(b - a for a, b in itertools.pairwise(busy)) >= 1 - 1e-9  # its own pace
    assert busy[-1] < 150  # and no slower for having waited
    assert [t for t in channel.texts if t != "news"] == [f"x{n}" for n in range(150)]


@pytest.fixture
async def telegram(database: Database) -> AsyncIterator[tuple[BotApiServer, Bot]]:
    async with BotApiServer() as server, server_bot(server) as bot:
        yield server, bot


async def test_telegram_chats_get_their_messages_in_order_after_a_server_error(
        database: Database, telegram: tuple[BotApiServer, Bot]) -> None:
    server, bot = telegram
    queue(database, [("11", None, "a1"), ("12", None, "b1"), ("11", None, "a2"),
                     ("12", None, "b2"), ("11", None, "a3")])
    server.fail_next("sendMessage", 11, error_code=502, description="Bad Gateway")
    clock = VirtualClock(START)
    sender = Dispatcher(database, OutboxQueue(database.engine),
                        {"telegram": TelegramChannel(bot, part_pause=0)}, clock,
                        limits={"telegram": DeliveryLimits(in_flight=8)}, timer=VirtualTimer())
    assert await sender.drain() == 2
    assert (server.texts_to(11), server.texts_to(12)) == ([], ["b1", "b2"])
    clock.move("+1m")  # past a1's back-off
    assert await sender.drain() == 3
    assert server.texts_to(11) == ["a1", "a2", "a3"]


async def test_a_message_in_parts_resumes_from_the_first_part_not_delivered(
        database: Database, telegram: tuple[BotApiServer, Bot], tmp_path: Path) -> None:
    server, bot = telegram
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.7 report")
    members = queue(database, [("11", None, "D1 v2 is ready"), ("12", None, "b1"),
                               ("11", None, "a2")])
    with database.engine.begin() as conn:  # the first message comes with a file
        conn.execute(update(outbox).where(outbox.c.text == "D1 v2 is ready").values(
            attachments=[{"name": "report.pdf", "size": 15, "type": "application/pdf",
                          "location": str(report)}]))
    server.fail_next("sendDocument", 11, error_code=500, description="Internal Server Error")
    clock = VirtualClock(START)
    sender = Dispatcher(database, OutboxQueue(database.engine),
                        {"telegram": TelegramChannel(bot, part_pause=0)}, clock,
                        limits={"telegram": DeliveryLimits(in_flight=8)}, timer=VirtualTimer())
    assert await sender.drain() == 1  # b1; the file failed after its text, a2 waits
    assert server.texts_to(11) == ["D1 v2 is ready"] and server.sent_to(11, "sendDocument") == []
    clock.move("+1m")
    assert await sender.drain() == 2
    assert server.texts_to(11) == ["D1 v2 is ready", "a2"]  # the text once, then a2
    (document,) = server.sent_to(11, "sendDocument")
    assert server.calls.index(document) < server.calls.index(server.sent_to(11)[-1])
    with database.engine.connect() as conn:
        landed = conn.execute(select(outbox.c.platform_message_id).where(
            outbox.c.text == "D1 v2 is ready")).scalar_one()
    assert landed == str(server.sent_to(11)[0].result["message_id"])  # where the text is
    assert members["11"] > 0


async def test_a_long_text_resumes_after_the_pieces_already_delivered(
        telegram: tuple[BotApiServer, Bot]) -> None:
    server, _bot = telegram

    class FailsAfterFirstPiece(Bot):
        """Makes Telegram answer 502 to the piece after the first one it sends."""

        armed = True

        async def send_message(self, *args: Any, **kwargs: Any) -> Message:
            sent = await super().send_message(*args, **kwargs)
            if FailsAfterFirstPiece.armed:
                FailsAfterFirstPiece.armed = False
                server.fail_next("sendMessage", 11, error_code=502, description="Bad Gateway")
            return sent

    words = ["Primeiro.", "Segundo.", "Terceiro."]
    long = "\n\n".join(" ".join([word] * 330) for word in words)  # three pieces
    async with FailsAfterFirstPiece(server.token, base_url=server.base_url,
                                    base_file_url=server.base_file_url,
                                    request=loopback_request()) as bot:
        channel = TelegramChannel(bot, part_pause=0)
        message = QueuedMessage(7, 1, "telegram:11", "telegram", None, "pt", long,
                                [[("OK", "ok")]], 0)
        with pytest.raises(NetworkError):
            await channel.send(message)
        assert len(server.texts_to(11)) == 1
        delivery = await channel.send(message)
    pieces = server.texts_to(11)
    assert [set(piece.split()) for piece in pieces] == [{word} for word in words]  # each once
    assert "reply_markup" in server.sent_to(11)[-1].params  # the buttons on the last piece
    assert delivery.message_id == str(server.sent_to(11)[-1].result["message_id"])


@pytest.mark.parametrize("scan", [20, 500])
async def test_the_fetch_reads_past_a_long_backlog(database: Database, scan: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(waiting, "SCAN", scan)
    monkeypatch.setattr(waiting, "CROWDED", scan // 10)
    queue(database, [("busy", None, f"x{n}") for n in range(120)] + [("ana", None, "a1")]
          + [("late", None, f"l{n}") for n in range(60)] + [("bob", "-100", "g1")])
    outbox = OutboxQueue(database.engine)
    fetched = [m.text for m in outbox.waiting(["telegram"], START)]
    assert fetched == [f"x{n}" for n in range(10)] + ["a1"] + [f"l{n}" for n in range(10)] + [
        "g1"]
    outbox.mark_failed(ids(database)["l0"], "timeout", permanent=False, now=START)
    fetched = [m.text for m in outbox.waiting(["telegram"], START, limit=12)]
    assert fetched == [f"x{n}" for n in range(10)] + ["a1", "g1"]
