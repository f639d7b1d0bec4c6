"""The fake Bot API, driven through python-telegram-bot 22 over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import warnings

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
)
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.limits import RateLimits
from tests.telegram.offline import loopback_request, server_bot
from tests.telegram.updates import group_chat, user

ANA = user(1001, "Ana", language_code="es")
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="k:1"),
                                  InlineKeyboardButton("No", callback_data="k:2")]])


def seconds(value: int | float | dtm.timedelta) -> float:
    """``RetryAfter.retry_after`` as seconds (PTB 22 may give an int or a timedelta)."""
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def retry_after(error: RetryAfter) -> float:
    """The seconds a RetryAfter asks to wait, without PTB 22.2's int-vs-timedelta warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        return seconds(error.retry_after)


async def test_get_me_describes_the_bot(telegram_bot: Bot) -> None:
    me = await telegram_bot.get_me()
    assert me.is_bot and me.can_join_groups and me.username == "peerdesk_test_bot"
    assert telegram_bot.username == "peerdesk_test_bot"


async def test_send_message_numbers_per_chat_and_echoes_the_keyboard(
        bot_api_server: BotApiServer, telegram_bot: Bot) -> None:
    first = await telegram_bot.send_message(1001, "Pick one", reply_markup=KEYBOARD)
    second = await telegram_bot.send_message(1001, "Again")
    other = await telegram_bot.send_message(-100555, "Team news")
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.reply_markup == KEYBOARD and second.reply_markup is None
    assert first.chat.id == 1001 and other.chat.type == "supergroup"
    call = bot_api_server.sent_to(1001)[0]
    assert call.params["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "k:2"
    assert isinstance(call.result["date"], int)  # seconds, as Telegram sends them
    assert bot_api_server.texts_to(1001) == ["Pick one", "Again"]


async def test_reply_to_a_bot_message_embeds_it(bot_api_server: BotApiServer,
                                                telegram_bot: Bot) -> None:
    question = await telegram_bot.send_message(1001, "Which language?")
    update = bot_api_server.push_message(ANA, "Spanish", reply_to=question.message_id)
    assert update["message"]["reply_to_message"]["text"] == "Which language?"
    assert update["message"]["message_id"] == question.message_id + 1
    answer = await telegram_bot.send_message(1001, "Noted", reply_to_message_id=2)
    assert answer.reply_to_message is not None and answer.reply_to_message.text == "Spanish"


async def test_edit_and_delete_the_bots_messages(telegram_bot: Bot) -> None:
    sent = await telegram_bot.send_message(1001, "Pick one", reply_markup=KEYBOARD)
    edited = await telegram_bot.edit_message_text("Picked: Yes", 1001, sent.message_id)
    assert isinstance(edited, Message)
    assert edited.text == "Picked: Yes" and edited.reply_markup is None
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match="not modified"):
        await telegram_bot.edit_message_text("Picked: Yes", 1001, sent.message_id)
    relabelled = await telegram_bot.edit_message_reply_markup(1001, sent.message_id,
                                                              reply_markup=KEYBOARD)
    assert isinstance(relabelled, Message) and relabelled.reply_markup == KEYBOARD
    assert await telegram_bot.delete_message(1001, sent.message_id)
    with pytest.raises(BadRequest, match="not found"):
        await telegram_bot.delete_message(1001, sent.message_id)


async def test_document_upload_then_get_file_and_download(bot_api_server: BotApiServer,
                                                          telegram_bot: Bot) -> None:
    content = b"%PDF-1.4 deliverable\n" * 50
    message = await telegram_bot.send_document(
        1001, InputFile(content, filename="plan.pdf"), caption="The plan")
    document = message.document
    assert document is not None and document.file_name == "plan.pdf"
    assert document.file_size == len(content) and document.file_unique_id
    assert bot_api_server.sent_to(1001, "sendDocument")[0].uploads["document"] == content
    file = await telegram_bot.get_file(document.file_id)
    assert file.file_size == len(content)
    memory = io.BytesIO()
    await file.download_to_memory(memory)
    assert memory.getvalue() == content
    again = await telegram_bot.send_document(-100555, document.file_id)  # resent by file_id
    assert again.document is not None and again.document.file_id == document.file_id


async def test_a_users_document_is_fetched_and_size_checked(bot_api_server: BotApiServer,
                                                            telegram_bot: Bot) -> None:
    small = bot_api_server.push_document(ANA, b"notes", "notes.txt", mime_type="text/plain")
    file = await telegram_bot.get_file(small["message"]["document"]["file_id"])
    assert bytes(await file.download_as_bytearray()) == b"notes"
    huge = bot_api_server.push_document(ANA, b"x", "video.mp4", file_size=21 * 1024 * 1024)
    assert huge["message"]["document"]["file_size"] == 21 * 1024 * 1024
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await telegram_bot.get_file(huge["message"]["document"]["file_id"])


async def test_get_updates_honours_offset_and_limit(bot_api_server: BotApiServer,
                                                    telegram_bot: Bot) -> None:
    pushed = [bot_api_server.push_message(ANA, f"m{n}") for n in range(3)]
    ids = [update["update_id"] for update in pushed]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert [u.update_id for u in await telegram_bot.get_updates(limit=2)] == ids[:2]
    assert [u.update_id for u in await telegram_bot.get_updates(offset=ids[1])] == ids[1:]
    assert bot_api_server.pending_updates == 2  # below the offset: confirmed and dropped
    assert await telegram_bot.get_updates(offset=ids[2] + 1) == ()
    assert bot_api_server.pending_updates == 0
    update = (await telegram_bot.get_updates(offset=ids[2] + 1, timeout=0)) or None
    assert update is None


async def test_long_poll_waits_for_an_update(bot_api_server: BotApiServer,
                                             telegram_bot: Bot) -> None:
    polling = asyncio.create_task(telegram_bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert not polling.done()
    pushed = bot_api_server.push_message(ANA, "/start")
    updates = await asyncio.wait_for(polling, 3)
    assert [u.update_id for u in updates] == [pushed["update_id"]]
    assert updates[0].message is not None and updates[0].message.text == "/start"
    # With nothing to deliver the poll answers empty when its timeout passes.
    offset = pushed["update_id"] + 1
    status, body = await bot_api_server.call("getUpdates", {"offset": offset, "timeout": 0.1})
    assert (status, body) == (200, {"ok": True, "result": []})


async def test_429_surfaces_as_retry_after(bot_api_server: BotApiServer,
                                           telegram_bot: Bot) -> None:
    bot_api_server.fail_next("sendMessage", chat_id=1001, retry_after=7)
    await telegram_bot.send_message(2002, "someone else is not affected")
    with pytest.raises(RetryAfter) as caught:
        await telegram_bot.send_message(1001, "hello")
    assert retry_after(caught.value) == 7
    await telegram_bot.send_message(1001, "hello")  # a single failure, then normal
    assert bot_api_server.texts_to(1001) == ["hello"]
    refused = [call for call in bot_api_server.calls if not call.ok]
    assert [(call.method, call.chat_id, call.status) for call in refused] == [
        ("sendMessage", 1001, 429)]


async def test_403_blocked_and_400_bad_request(bot_api_server: BotApiServer,
                                               telegram_bot: Bot) -> None:
    bot_api_server.fail_next("sendMessage", error_code=403)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await telegram_bot.send_message(1001, "hello")
    bot_api_server.block(3003)
    for _ in range(2):
        with pytest.raises(Forbidden):
            await telegram_bot.send_message(3003, "hello")
    bot_api_server.fail_next("sendMessage", error_code=400, description="Bad Request: wrong")
    with pytest.raises(BadRequest, match=r"(?i)wrong"):
        await telegram_bot.send_message(1001, "hello")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await telegram_bot.send_message(1001, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await telegram_bot.send_message(1001, "a <script> b", parse_mode="HTML")
    await telegram_bot.send_message(1001, "a &lt;script&gt; <b>b</b>", parse_mode="HTML")


async def test_a_slow_answer_times_out_but_the_message_is_delivered(
        bot_api_server: BotApiServer) -> None:
    bot_api_server.fail_next("sendMessage", error_code=None, delay=0.4)
    async with server_bot(bot_api_server, read_timeout=0.1) as impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(1001, "late")
    await bot_api_server.wait_for(lambda: bool(bot_api_server.texts_to(1001)))
    assert bot_api_server.texts_to(1001) == ["late"]  # a timeout is not proof of failure


async def test_commands_per_scope_and_language(telegram_bot: Bot) -> None:
    private = BotCommandScopeAllPrivateChats()
    await telegram_bot.set_my_commands([BotCommand("help", "Ask for help")], scope=private)
    await telegram_bot.set_my_commands([BotCommand("help", "Pedir ayuda")], scope=private,
                                       language_code="es")
    await telegram_bot.set_my_commands([BotCommand("linkgroup", "Link this group")],
                                       scope=BotCommandScopeAllGroupChats())
    spanish = await telegram_bot.get_my_commands(scope=private, language_code="es")
    assert [(c.command, c.description) for c in spanish] == [("help", "Pedir ayuda")]
    assert [c.description for c in await telegram_bot.get_my_commands(scope=private)] == [
        "Ask for help"]
    groups = await telegram_bot.get_my_commands(scope=BotCommandScopeAllGroupChats())
    assert [c.command for c in groups] == ["linkgroup"]
    assert await telegram_bot.get_my_commands() == ()
    with pytest.raises(BadRequest):
        await telegram_bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_unknown_method_and_wrong_token(bot_api_server: BotApiServer,
                                              telegram_bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await telegram_bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})
    status, body = await bot_api_server.call("sendTelepathy", {})
    assert (status, body["description"]) == (404, "Not Found: method not found")
    request = loopback_request()
    await request.initialize()
    impostor = Bot("987654321:WRONG", base_url=bot_api_server.base_url, request=request)
    try:
        with pytest.raises(InvalidToken, match="Unauthorized"):
            await impostor.get_me()
    finally:
        await request.shutdown()


async def test_rate_limits_refuse_and_count(bot_api_server: BotApiServer,
                                            telegram_bot: Bot) -> None:
    moment = [1000.0]
    limits = bot_api_server.enforce_limits(RateLimits(clock=lambda: moment[0]))
    await telegram_bot.send_message(1001, "first")
    with pytest.raises(RetryAfter) as caught:
        await telegram_bot.send_message(1001, "second within the second")
    assert retry_after(caught.value) == 1
    assert limits.refused["per_chat"] == 1
    moment[0] += 1.0
    await telegram_bot.send_message(1001, "a second later")
    for chat in range(2, 31):  # 29 more chats: 30 sends in this second
        await telegram_bot.send_message(chat, "broadcast")
    with pytest.raises(RetryAfter):
        await telegram_bot.send_message(31, "the 31st in one second")
    assert limits.refused["overall"] == 1
    team = group_chat(-100777)["id"]
    for _ in range(20):
        moment[0] += 1.5
        await telegram_bot.send_message(team, "team news")
    with pytest.raises(RetryAfter) as caught:
        moment[0] += 1.5
        await telegram_bot.send_message(team, "the 21st in a minute")
    assert limits.refused["per_group"] == 1 and retry_after(caught.value) > 1
    assert limits.refused_total == 3
    assert len(bot_api_server.sent_to(team)) == 20
