"""The Telegram channel through python-telegram-bot against the local Bot API server: text in
pieces with the keyboard on the last, documents uploaded once then sent by file_id, and
Telegram's refusals as the dispatcher's failure kinds."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from telegram import Bot

from bot.dispatcher import PermanentFailure, RetryLater, Unreachable
from bot.telegram.channel import TelegramChannel
from handlers.messages import Attachment
from storage.outbox import QueuedMessage
from tests.telegram.bot_api_server import BotApiServer

ANA = 11


def _message(text: str, chat: str | None = None,
             buttons: list[list[tuple[str, str]]] | None = None,
             attachments: list[Attachment] | None = None) -> QueuedMessage:
    return QueuedMessage(1, 1, f"telegram:{ANA}", "telegram", chat, "pt", text,
                         buttons or [], 0, attachments or [])


async def test_text_with_buttons_and_a_long_text(bot_api_server: BotApiServer,
                                                 telegram_bot: Bot) -> None:
    channel = TelegramChannel(telegram_bot, part_pause=0)
    delivery = await channel.send(_message("Revisão de D1 v1", buttons=[
        [("Aprovar", "review:approve:1"), ("Pedir alterações", "review:changes:1")]]))
    (call,) = bot_api_server.sent_to(ANA)
    assert call.params["text"] == "Revisão de D1 v1"
    assert "review:approve:1" in str(call.params["reply_markup"])
    assert delivery.chat_id == str(ANA) and delivery.message_id == str(call.result["message_id"])
    long = ("Parágrafo. " * 300 + "\n\n") * 3
    delivery = await channel.send(_message(long))
    pieces = bot_api_server.texts_to(ANA)[1:]
    assert len(pieces) == 3 and all(len(p) <= 4096 for p in pieces)
    assert delivery.message_id == str(bot_api_server.sent_to(ANA)[-1].result["message_id"])


async def test_a_document_is_uploaded_once(bot_api_server: BotApiServer, telegram_bot: Bot,
                                           tmp_path: Path) -> None:
    path = tmp_path / "abc"
    path.write_bytes(b"%PDF-1.7 tor")
    channel = TelegramChannel(telegram_bot, part_pause=0)
    file = Attachment("tor.pdf", 12, "application/pdf", str(path))
    await channel.send(_message("D1 v1", attachments=[file]))
    await channel.send(_message("D1 v1 again", attachments=[file]))
    first, second = bot_api_server.sent_to(ANA, "sendDocument")
    assert first.uploads and not second.uploads
    assert second.params["document"] == first.result["document"]["file_id"]


async def test_the_oldest_file_ids_are_forgotten(bot_api_server: BotApiServer,
                                                 telegram_bot: Bot, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.telegram.channel.KEPT_PROGRESS", 2)
    channel = TelegramChannel(telegram_bot, part_pause=0)
    files = []
    for name in ("a", "b", "c"):
        (tmp_path / name).write_bytes(b"%PDF-1.7 " + name.encode())
        files.append(Attachment(f"{name}.pdf", 10, "application/pdf", str(tmp_path / name)))
    for file in [*files, files[2], files[0]]:
        await channel.send(_message("v1", attachments=[file]))
    calls = bot_api_server.sent_to(ANA, "sendDocument")
    # a, b, c uploaded; c again by its id; a, forgotten beyond the two kept, uploaded again.
    assert [bool(call.uploads) for call in calls] == [True, True, True, False, True]


async def test_refusals_become_failure_kinds(bot_api_server: BotApiServer,
                                             telegram_bot: Bot) -> None:
    channel = TelegramChannel(telegram_bot)
    bot_api_server.fail_next("sendMessage", ANA, error_code=429, retry_after=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PTB's own, about retry_after
        with pytest.raises(RetryLater) as waiting:
            await channel.send(_message("hello"))
    assert waiting.value.retry_after_seconds == 7
    bot_api_server.fail_next("sendMessage", ANA, error_code=400,
                             description="Bad Request: chat not found")
    with pytest.raises(PermanentFailure):
        await channel.send(_message("hello"))
    bot_api_server.block(ANA)
    with pytest.raises(Unreachable):
        await channel.send(_message("hello"))
    bot_api_server.block(-100123)
    with pytest.raises(PermanentFailure):  # a group: the group is gone, not the member
        await channel.send(_message("hello", chat="-100123"))
    assert channel.is_group("-100123") and not channel.is_group(str(ANA))


async def test_a_group_that_became_a_supergroup_gets_it_there(bot_api_server: BotApiServer,
                                                              telegram_bot: Bot) -> None:
    channel = TelegramChannel(telegram_bot)
    bot_api_server.fail_next("sendMessage", -123, error_code=400, migrate_to_chat_id=-100123,
                             description="Bad Request: group chat was upgraded to a "
                                         "supergroup chat")
    delivery = await channel.send(_message("Team news", chat="-123"))
    assert delivery.chat_id == "-100123"
    assert bot_api_server.texts_to(-100123) == ["Team news"]


async def test_an_answer_takes_the_buttons_off_the_pressed_message(
        bot_api_server: BotApiServer, telegram_bot: Bot) -> None:
    channel = TelegramChannel(telegram_bot, part_pause=0)
    card = await channel.send(_message("Confirmar?", buttons=[[("Sim", "bc:ok:1")]]))
    answer = _message("Enviando.")
    await channel.send(QueuedMessage(2, 1, answer.identity, "telegram", None, "pt",
                                     answer.text, [], 0, [], closes=card.message_id))
    (edit,) = [c for c in bot_api_server.calls if c.method == "editMessageReplyMarkup"]
    assert str(edit.params["message_id"]) == card.message_id and edit.ok
    # Telegram refusing the edit (the buttons are already gone) does not fail the answer,
    # which was sent: failing would send it twice.
    delivery = await channel.send(QueuedMessage(3, 1, answer.identity, "telegram", None, "pt",
                                                "Já foi.", [], 0, [], closes=card.message_id))
    assert delivery.message_id == str(bot_api_server.sent_to(ANA)[-1].result["message_id"])
    first, again = [c for c in bot_api_server.calls if c.method == "editMessageReplyMarkup"]
    assert first.ok and not again.ok
