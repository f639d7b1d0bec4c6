"""The crash test: ``kill -9`` the bot in the middle of a 500-member broadcast, restart it, and
check that every member got the broadcast, with duplicates no more than the sends in flight.

What may be sent twice, and why the bound is the dispatcher's ``in_flight``: the dispatcher
marks a message sent in the database only after Telegram answered the send, and a chat it sends
to stays *busy* until that mark is committed; at most ``DeliveryLimits.in_flight`` chats of a
platform are busy at once (bot/dispatch_round.py). So at any moment at most ``in_flight``
messages have been (or are being) carried out by Telegram without being recorded as sent: the
request is on its way, Telegram holds it before answering, the answer is on its way back, or
the answer arrived and the mark is not committed yet. A message in none of these states is
either still pending (never sent: it is sent once after the restart) or recorded as sent
(never sent again). A ``kill -9`` can therefore duplicate at most ``in_flight`` messages.

The test measures what was in flight at the kill from both sides, once the dead process can no
longer change anything: the members the server delivered the broadcast to whose outbox row is
still ``pending`` (``in flight``); each request the server had received but not answered at the
kill must be among them. It then requires: that set is not bigger than ``TELEGRAM.in_flight``;
after the restart exactly those members got it twice; nobody three times; all 500 at least
once; and the coordinator's final report arrived. The server enforces Telegram's limits (30
messages a second overall, one a second per chat) and answers each send a quarter of a second
after carrying it out, so that the broadcast takes several seconds and sends are always under
way when the kill lands (after 150 of the 500).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.pacing import TELEGRAM
from handlers.domain import Language, Role
from storage.database import build_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork
from tests.telegram.bot_api import Call
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.bot_process import BotProcess, database_path, write_config
from tests.telegram.updates import user

MEMBERS = 500
FIRST_MEMBER = 20_001  # Telegram user ids of the members: 20001 … 20500
COORDINATOR = user(1_000, "Carla", language_code="en")
LANGUAGES = (Language.EN, Language.PT, Language.ES, Language.FR)
ZONES = ("Africa/Maputo", "America/Lima", "Africa/Dakar", "Africa/Nairobi")
RECIPIENTS = MEMBERS + 1  # "everyone" includes Carla
KILL_AFTER = 150  # recipients reached before the kill
TEXT = "The second seminar starts on 2026-04-15. Please send your reports before then."
# How each member's copy begins, in their language (the text follows, translated for them).
HEADERS = {Language.EN: "📣 From the help desk (Carla):",
           Language.PT: "📣 Da central de ajuda (Carla):",
           Language.ES: "📣 De la mesa de ayuda (Carla):",
           Language.FR: "📣 Du service d'assistance (Carla) :"}
# Fast sweeps, so that the final report comes soon; the lease of the scheduler lock is its
# shortest (the restarted bot takes over the sweep only once its killed predecessor's expired).
EXTRA_CONFIG = """
[scheduler]
sweep_seconds = 5
lock_seconds = 15
"""


def seed(url: str) -> None:
    """The schema, a coordinator (Carla) and 500 members with Telegram identities in the
    four languages, through the help desk's own storage."""
    engine = build_engine(url)
    try:
        upgrade(engine)
        now = datetime.now(UTC)
        with SqlUnitOfWork(engine) as uow:
            carla = uow.members.add("Carla", f"telegram:{COORDINATOR['id']}", Language.EN,
                                    ZONES[0], now)
            uow.members.grant(carla.id, Role.COORDINATOR, None, now)
            for number in range(MEMBERS):
                uow.members.add(f"Member {number + 1}", f"telegram:{FIRST_MEMBER + number}",
                                LANGUAGES[number % len(LANGUAGES)],
                                ZONES[number % len(ZONES)], now)
            uow.commit()
    finally:
        engine.dispose()


def broadcast_rows(url: str) -> dict[int, str]:
    """The status of the broadcast's outbox row for each member's chat."""
    engine = build_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT identity, status FROM outbox "
                                     "WHERE context = 'broadcast'")).all()
    finally:
        engine.dispose()
    return {int(identity.split(":", 1)[1]): status for identity, status in rows}


def language_of(chat: int) -> Language:
    """The language of the recipient in this chat (as seeded)."""
    if chat == COORDINATOR["id"]:
        return Language.EN
    return LANGUAGES[(chat - FIRST_MEMBER) % len(LANGUAGES)]


def copy_to(call: Call) -> int | None:
    """The chat a copy of the broadcast went to, if ``call`` sent one (a sendMessage whose
    text begins with the broadcast's header in some language), else None."""
    text_sent = str(call.params.get("text", ""))
    if call.method == "sendMessage" and call.chat_id is not None \
            and text_sent.startswith(tuple(HEADERS.values())):
        return call.chat_id
    return None


def received(server: BotApiServer) -> Counter[int]:
    """How many copies of the broadcast each recipient's chat received."""
    return Counter(chat for chat in map(copy_to, server.sent) if chat is not None)


def button_data(call: Call, prefix: str) -> str | None:
    """The callback data starting with ``prefix`` on a sent message's inline keyboard."""
    markup: Any = call.params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for key in row:
            data = str(key.get("callback_data", ""))
            if data.startswith(prefix):
                return data
    return None


async def offered_button(server: BotApiServer, prefix: str) -> tuple[int, str]:
    """The message and callback data of the button starting with ``prefix``, once the bot has
    sent it to Carla."""
    found: list[tuple[int, str]] = []

    def offered() -> bool:
        for call in reversed(server.sent_to(int(COORDINATOR["id"]))):
            data = button_data(call, prefix)
            if data is not None and call.result is not None:
                found.append((int(call.result["message_id"]), data))
                return True
        return False

    await server.wait_for(offered, within=30)
    return found[0]


async def press(server: BotApiServer, prefix: str) -> None:
    """Carla presses the button starting with ``prefix`` once the bot has sent it to her."""
    server.push_callback(COORDINATOR, *await offered_button(server, prefix))


async def test_kill_9_in_the_middle_of_a_broadcast(tmp_path: Path) -> None:
    async with BotApiServer() as server:
        server.enforce_limits()
        server.send_latency = 0.25
        config = write_config(tmp_path, server, EXTRA_CONFIG)
        url = f"sqlite:///{database_path(tmp_path)}"
        seed(url)
        secrets = {"PEERDESK_TELEGRAM_TOKEN": server.token}
        first = BotProcess(config, secrets, tmp_path / "first-run.log")
        second = BotProcess(config, secrets, tmp_path / "second-run.log")
        try:
            await first.start()
            # Carla drafts a broadcast to everyone, like any coordinator on her phone.
            server.push_message(COORDINATOR, "/broadcast everyone")
            await server.wait_for(lambda: len(server.texts_to(int(COORDINATOR["id"]))) >= 1,
                                  within=30)
            server.push_message(COORDINATOR, TEXT)
            await press(server, "bc:now")
            await press(server, "bc:ok:")

            # Part-way through, kill -9; what the server has not answered yet is in flight.
            open_at_kill: set[int] = set()

            def killed_midway() -> bool:
                if len(received(server)) < KILL_AFTER:
                    return False
                first.kill()
                open_at_kill.update(chat for chat in map(copy_to, server.in_flight)
                                    if chat is not None)
                return True

            await server.wait_for(killed_midway, within=40)
            assert await first.wait(10) == -9, first.output()
            # Requests already received are answered (to nobody); then nothing changes. (Its
            # getUpdates stays open: a long poll ends by itself or with the next one.)
            await server.wait_for(lambda: not any(map(copy_to, server.in_flight)), within=5)
            before = received(server)
            rows = broadcast_rows(url)
            in_flight = {chat for chat in before if rows.get(chat) == "pending"}
            assert len(rows) == RECIPIENTS, "the broadcast was queued for 500 members + Carla"
            assert KILL_AFTER <= len(before) < RECIPIENTS, "the kill landed part-way"
            assert max(before.values()) == 1
            assert open_at_kill <= in_flight, "an unanswered send was recorded as sent"
            assert 0 < len(in_flight) <= TELEGRAM.in_flight, (in_flight, first.output())

            # Restart: the rest goes out, then the final report to Carla; SIGTERM stops it.
            await second.start()
            report = f"✅ Broadcast #1 is done: {RECIPIENTS} of {RECIPIENTS} delivered, 0 failed."
            await server.wait_for(
                lambda: len(received(server)) == RECIPIENTS
                and report in server.texts_to(int(COORDINATOR["id"])), within=45)
            assert await second.stop() == 0, second.output()
        finally:
            await first.close()
            await second.close()
    after = received(server)
    twice = {chat for chat, count in after.items() if count == 2}
    assert len(after) == RECIPIENTS, "every member (and Carla) got it"
    assert max(after.values()) <= 2, "nobody got it three times"
    assert twice == in_flight, "the duplicates are the sends in flight at the kill, no others"
    assert len(twice) <= TELEGRAM.in_flight
    assert set(broadcast_rows(url).values()) == {"sent"}
    for call in server.sent:  # each copy in its reader's language, dates untouched
        chat = copy_to(call)
        if chat is not None:
            assert str(call.params["text"]).startswith(HEADERS[language_of(chat)])
            assert "2026-04-15" in str(call.params["text"])
