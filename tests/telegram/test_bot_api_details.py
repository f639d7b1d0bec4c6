"""Finer points of the fake Bot API: parse modes, update kinds, offsets, duplicates, 5xx."""

from __future__ import annotations

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError

from tests.telegram.bot_api import BotApi
from tests.telegram.bot_api_server import BotApiServer, decode_form_value
from tests.telegram.updates import user

ANA = user(1001, "Ana")


@pytest.mark.parametrize("text", ["v1.2 - done!", "a > b", "*bold", "snake_case", "a (b)"])
async def test_markdown_v2_refuses_unescaped_text(telegram_bot: Bot, text: str) -> None:
    with pytest.raises(BadRequest, match="parse entities"):
        await telegram_bot.send_message(1001, text, parse_mode="MarkdownV2")


@pytest.mark.parametrize("text", [r"v1\.2 \- done\!", "*bold* _it_ ||spoiler||",
                                  "[site](https://example.org/a_b)", "`x.y()`", "> quoted"])
async def test_markdown_v2_accepts_escaped_text(telegram_bot: Bot, text: str) -> None:
    await telegram_bot.send_message(1001, text, parse_mode="MarkdownV2")


@pytest.mark.parametrize("text", ["1 < 2", "<b>open", "<i>x</b>", "<div>x</div>"])
async def test_html_refuses_what_telegram_refuses(telegram_bot: Bot, text: str) -> None:
    with pytest.raises(BadRequest, match="parse entities"):
        await telegram_bot.send_message(1001, text, parse_mode="HTML")


async def test_a_5xx_is_a_network_error(bot_api_server: BotApiServer, telegram_bot: Bot) -> None:
    bot_api_server.fail_next("sendMessage", error_code=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await telegram_bot.send_message(1001, "hi")


async def test_duplicate_comes_in_the_next_response() -> None:
    api = BotApi()
    update = api.factory.message_from(ANA, "hi")
    api.push_update(update, duplicate=True)
    first = await api.updates.get(0, 100, 0, None)
    again = await api.updates.get(update["update_id"] + 1, 100, 0, None)
    assert first == again == [update]
    assert await api.updates.get(update["update_id"] + 1, 100, 0, None) == []


async def test_allowed_updates_and_negative_offset() -> None:
    api = BotApi()
    message = api.push_update(api.factory.message_from(ANA, "hi"))
    press = api.push_update(api.factory.callback_from(ANA, 1, "x"))
    reaction = api.push_update({"update_id": api.factory.next_update_id(),
                                "message_reaction": {}})
    assert await api.updates.get(0, 100, 0, None) == [message, press]  # no reactions unasked
    assert await api.updates.get(0, 100, 0, ["callback_query"]) == [press]
    assert await api.updates.get(0, 100, 0, None) == [press]  # the choice is remembered
    assert api.updates.pending == 1  # the others were never to be sent
    api.updates.allowed_updates = ["message", "message_reaction"]
    api.push_update(api.factory.message_from(ANA, "a"))
    last = api.push_update(api.factory.message_from(ANA, "b"))
    assert await api.updates.get(-1, 100, 0, None) == [last]
    assert reaction not in await api.updates.get(0, 100, 0, None)


async def test_webhook_blocks_polling_until_deleted(bot_api_server: BotApiServer,
                                                   telegram_bot: Bot) -> None:
    await telegram_bot.set_webhook("https://example.invalid/hook")  # stored, never called
    with pytest.raises(Conflict, match="webhook is active"):
        await telegram_bot.get_updates()
    bot_api_server.push_message(ANA, "hi")
    await telegram_bot.delete_webhook(drop_pending_updates=True)
    assert await telegram_bot.get_updates() == ()


async def test_method_names_ignore_case(bot_api_server: BotApiServer) -> None:
    status, body = await bot_api_server.call("getme", {})
    assert status == 200 and body["result"]["username"] == "peerdesk_test_bot"


def test_form_values_are_decoded_like_telegram() -> None:
    assert decode_form_value("chat_id", "-100123") == -100123
    assert decode_form_value("chat_id", "@channel") == "@channel"
    assert decode_form_value("text", "123") == "123"
    assert decode_form_value("reply_markup", '{"inline_keyboard": []}') == {"inline_keyboard": []}
    assert decode_form_value("show_alert", "true") is True


async def test_length_limits_count_what_the_user_sees(telegram_bot: Bot) -> None:
    fits = "<b>" + "&lt;" * 4096 + "</b>"  # 4,096 visible characters, many more raw
    await telegram_bot.send_message(1001, fits, parse_mode="HTML")
    with pytest.raises(BadRequest, match="too long"):
        await telegram_bot.send_message(1001, "<b>" + "&lt;" * 4097 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="caption is too long"):
        await telegram_bot.send_document(1001, InputFile(b"x", filename="a.txt"),
                                         caption="y" * 1025)
    sent = await telegram_bot.send_document(1001, InputFile(b"x", filename="a.txt"),
                                            caption="y" * 1024)
    assert sent.document is not None and sent.document.file_name == "a.txt"
    again = await telegram_bot.send_document(1002, sent.document.file_id)
    assert again.document is not None and again.document.file_name == "a.txt"


async def test_a_blocked_user_refuses_every_call_naming_them(bot_api_server: BotApiServer,
                                                             telegram_bot: Bot) -> None:
    message = await telegram_bot.send_message(1001, "before")
    bot_api_server.block(1001)
    with pytest.raises(Forbidden):
        await telegram_bot.edit_message_text("after", 1001, message.message_id)
