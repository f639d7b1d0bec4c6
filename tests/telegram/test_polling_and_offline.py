"""A polling python-telegram-bot Application against the fake server; offline applications."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Conflict
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.telegram.bot_api import BotApi
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.offline import OfflineRequest, offline_application, server_application
from tests.telegram.updates import UpdateFactory, group_chat, private_chat, user

ANA = user(1001, "Ana", language_code="pt")
BEN = user(1002, "Ben")
App = Application[Any, Any, Any, Any, Any, Any]


class Seen:
    """What the handlers received: (update_id, kind, text or data)."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str, str]] = []

    def add(self, update: Update, kind: str, value: str) -> None:
        self.items.append((update.update_id, kind, value))


def install_handlers(application: App, seen: Seen) -> None:
    """/start answers with a keyboard; presses are answered and edit the message; texts echo."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        seen.add(update, "command", update.message.text or "")
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Join", callback_data="join")]])
        await update.message.reply_text("Welcome", reply_markup=keyboard)

    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        seen.add(update, "press", query.data or "")
        await query.answer("Joined")
        await query.edit_message_text("You joined the team")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        seen.add(update, "text", update.message.text or "")
        await update.message.reply_text(f"echo: {update.message.text}")

    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(press))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))


@asynccontextmanager
async def polling(server: BotApiServer, seen: Seen) -> AsyncIterator[App]:
    """An Application polling ``server`` (``run_polling`` blocks, so its steps are taken by
    hand in the test's loop), stopped on exit."""
    application = server_application(server)
    install_handlers(application, seen)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0.0, timeout=5)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def test_a_conversation_through_polling(bot_api_server: BotApiServer) -> None:
    seen = Seen()
    async with polling(bot_api_server, seen):
        bot_api_server.push_message(ANA, "/start")
        await bot_api_server.wait_for(lambda: len(bot_api_server.texts_to(1001)) == 1)
        welcome = bot_api_server.sent_to(1001)[0].result
        bot_api_server.push_callback(ANA, welcome["message_id"], "join")
        bot_api_server.push_message(BEN, "hello there")
        await bot_api_server.wait_for(
            lambda: len(bot_api_server.sent_to(1001, "editMessageText")) == 1)
        await bot_api_server.wait_for(lambda: len(bot_api_server.texts_to(1002)) == 1)
    assert [(kind, value) for _, kind, value in seen.items] == [
        ("command", "/start"), ("press", "join"), ("text", "hello there")]
    answer = next(c for c in bot_api_server.calls if c.method == "answerCallbackQuery")
    assert answer.ok and answer.params["text"] == "Joined"
    assert bot_api_server.texts_to(1002) == ["echo: hello there"]
    webhook = next(c for c in bot_api_server.calls if c.method == "deleteWebhook")
    assert not webhook.params.get("drop_pending_updates")
    assert bot_api_server.pending_updates == 0  # the last offset was confirmed on stop


async def test_a_duplicate_update_is_delivered_twice(bot_api_server: BotApiServer) -> None:
    seen = Seen()
    async with polling(bot_api_server, seen):
        once = bot_api_server.push_message(ANA, "only once", duplicate=True)
        await bot_api_server.wait_for(lambda: len(bot_api_server.texts_to(1001)) == 2)
        bot_api_server.redeliver(once)  # and again, after it was confirmed
        await bot_api_server.wait_for(lambda: len(bot_api_server.texts_to(1001)) == 3)
    assert [item[0] for item in seen.items] == [once["update_id"]] * 3
    assert bot_api_server.texts_to(1001) == ["echo: only once"] * 3  # PTB does not dedupe


async def test_a_second_poller_gets_conflict(bot_api_server: BotApiServer,
                                             telegram_bot: Bot) -> None:
    first = asyncio.create_task(telegram_bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(telegram_bot.get_updates(timeout=5))
    with pytest.raises(Conflict, match="only one bot instance"):
        await asyncio.wait_for(first, 3)
    bot_api_server.push_message(ANA, "hi")
    assert len(await asyncio.wait_for(second, 3)) == 1


async def test_group_messages_and_replies_are_real_shaped() -> None:
    factory = UpdateFactory({"id": 1, "is_bot": True, "first_name": "Bot", "username": "b"})
    team = group_chat(-100123, "Team Lisbon")
    command = factory.message_from(ANA, "/linkgroup@b now", team)
    entity = command["message"]["entities"][0]
    assert entity == {"type": "bot_command", "offset": 0, "length": len("/linkgroup@b")}
    reply = factory.message_from(BEN, "ok", team, reply_to=command["message"]["message_id"])
    assert reply["message"]["reply_to_message"]["text"] == "/linkgroup@b now"
    assert reply["update_id"] == command["update_id"] + 1
    assert isinstance(reply["message"]["date"], int)
    mention = factory.message_from(BEN, "héllo 👋 @peerdesk_test_bot!", team)
    assert mention["message"]["entities"] == [{"type": "mention", "offset": 9, "length": 18}]
    blocked = Update.de_json(factory.bot_status_change(ANA, private_chat(ANA), "kicked"), None)
    assert blocked.my_chat_member is not None
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    added = factory.bot_status_change(BEN, team, "member", old_status="left")
    assert Update.de_json(added, None).my_chat_member is not None
    parsed = Update.de_json(reply, None)
    assert parsed.effective_chat is not None and parsed.effective_chat.type == "supergroup"


async def test_offline_application_fails_loudly_on_network_use() -> None:
    application = offline_application()
    seen = Seen()
    install_handlers(application, seen)
    factory = UpdateFactory(application.bot._bot_user.to_dict())
    async with application:
        with pytest.raises(pytest.fail.Exception, match="network access attempted"):
            await application.process_update(
                Update.de_json(factory.message_from(ANA, "hi"), application.bot))
    assert seen.items and seen.items[0][1:] == ("text", "hi")
    request = application.bot.request
    assert isinstance(request, OfflineRequest) and request.attempts[0].endswith("/sendMessage")


async def test_in_memory_application_records_what_it_sends() -> None:
    api = BotApi()
    application = offline_application(api=api)
    seen = Seen()
    install_handlers(application, seen)
    async with application:
        start = api.factory.message_from(ANA, "/start")
        await application.process_update(Update.de_json(start, application.bot))
        welcome = api.sent_to(1001)[0].result
        press = api.factory.callback_from(ANA, welcome["message_id"], "join")
        await application.process_update(Update.de_json(press, application.bot))
        api.fail_next("sendMessage", chat_id=1002, error_code=403)
        await application.process_update(
            Update.de_json(api.factory.message_from(BEN, "hi"), application.bot))
    assert [call.method for call in api.calls] == [
        "sendMessage", "answerCallbackQuery", "editMessageText", "sendMessage"]
    assert api.texts_to(1001) == ["Welcome"] and api.calls[-1].status == 403
    assert api.log.messages[(1001, welcome["message_id"])]["text"] == "You joined the team"
