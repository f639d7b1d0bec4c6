"""A message that continues another one's conversation (an answer to a reviewer, under their
review card) is sent on Telegram as a reply to it, and on its own when that one is gone."""

from __future__ import annotations

from telegram import Bot

from bot.telegram.channel import TelegramChannel
from storage.outbox import QueuedMessage
from tests.telegram.bot_api_server import BotApiServer

ANA = 11


def _message(number: int, text: str, thread: str | None = None) -> QueuedMessage:
    return QueuedMessage(number, 1, f"telegram:{ANA}", "telegram", None, "pt", text, [], 0,
                         thread=thread)


async def test_an_answer_replies_to_the_card(bot_api_server: BotApiServer,
                                             telegram_bot: Bot) -> None:
    channel = TelegramChannel(telegram_bot, part_pause=0)
    card = await channel.send(_message(1, "Revisão de D1 v1"))
    await channel.send(_message(2, "Diego responde sobre D1 v1", thread=card.message_id))
    answer = bot_api_server.sent_to(ANA)[-1]
    assert answer.params["reply_parameters"]["message_id"] == int(card.message_id)
    assert answer.result["reply_to_message"]["text"] == "Revisão de D1 v1"
    # A long answer replies with its first piece only.
    await channel.send(_message(3, ("Parágrafo. " * 300 + "\n\n") * 2, thread=card.message_id))
    first, second = bot_api_server.sent_to(ANA)[-2:]
    assert "reply_parameters" in first.params and "reply_parameters" not in second.params


async def test_an_answer_to_a_card_that_is_gone_goes_on_its_own(
        bot_api_server: BotApiServer, telegram_bot: Bot) -> None:
    channel = TelegramChannel(telegram_bot, part_pause=0)
    await channel.send(_message(1, "Diego responde sobre D1 v1", thread="999"))
    answer = bot_api_server.sent_to(ANA)[-1]
    assert answer.params["reply_parameters"]["allow_sending_without_reply"] is True
    assert "reply_to_message" not in answer.result
