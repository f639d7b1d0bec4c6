"""Telegram updates, as JSON the Bot API sends, become the core's inbound messages (through
python-telegram-bot's own parsing); group chatter not addressed to the bot is ignored."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.telegram.updates import BotIdentity, incoming
from handlers.messages import ChatRef

BOT = BotIdentity(id=999, username="peerdesk_bot")
ANA = {"id": 11, "is_bot": False, "first_name": "Ana", "last_name": "Lima",
       "language_code": "pt-br"}
PRIVATE = {"id": 11, "type": "private", "first_name": "Ana"}
GROUP = {"id": -100123, "type": "supergroup", "title": "Rios"}


def _update(**content: Any) -> Update:
    return Update.de_json({"update_id": 1, **content}, None)


def _message(text: str | None = None, chat: dict[str, Any] = PRIVATE,
             **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message_id": 5, "date": 1772452800, "chat": chat, "from": ANA,
                            **extra}
    if text is not None:
        body["text"] = text
    return body


def test_a_private_command_with_the_writer_and_their_language() -> None:
    found = incoming(_update(message=_message("/join ABC123")), BOT)
    assert found is not None and found.file is None
    inbound = found.inbound
    assert inbound.text == "/join ABC123" and inbound.message_id == "5"
    assert inbound.sender.identity == "telegram:11"
    assert inbound.sender.display_name == "Ana Lima" and inbound.sender.locale == "pt-br"
    assert inbound.chat == ChatRef("telegram", "11", True)


def test_a_document_is_described_before_it_is_fetched() -> None:
    document = {"file_id": "F1", "file_unique_id": "U1", "file_name": "tor.pdf",
                "mime_type": "application/pdf", "file_size": 2048}
    found = incoming(_update(message=_message(document=document, caption=" T1 draft ")), BOT)
    assert found is not None and found.file is not None
    assert (found.file.file_id, found.file.name, found.file.size) == ("F1", "tor.pdf", 2048)
    assert found.inbound.text == "T1 draft"
    assert found.inbound.attachment is not None
    assert found.inbound.attachment.location is None  # the adapter fills it once downloaded


def test_a_reply_and_a_button() -> None:
    reply = _message("Yes, with a note", reply_to_message=_message("card", message_id=41))
    found = incoming(_update(message=reply), BOT)
    assert found is not None and found.inbound.reply_to == "41"
    query = {"id": "q1", "from": ANA, "chat_instance": "c", "data": "review:approve:7",
             "message": _message("card", message_id=42)}
    pressed = incoming(_update(callback_query=query), BOT)
    assert pressed is not None
    assert (pressed.inbound.button, pressed.inbound.message_id) == ("review:approve:7", "42")


def test_in_a_group_only_what_is_addressed_to_the_bot() -> None:
    def seen(text: str, **extra: Any) -> str | None:
        found = incoming(_update(message=_message(text, chat=GROUP, **extra)), BOT)
        return found.inbound.text if found is not None and found.inbound.addressed else None

    # Talk not meant for the bot is handed over as such (a linked group relays it).
    heard = incoming(_update(message=_message("good morning everyone", chat=GROUP)), BOT)
    assert heard is not None and not heard.inbound.addressed
    assert heard.inbound.text == "good morning everyone"
    assert seen("good morning everyone") is None
    assert incoming(_update(message=_message("/status@other_bot", chat=GROUP)), BOT) is None
    # A channel's post forwarded into its discussion group is not a person's talk.
    channel = {"id": -100999, "type": "channel", "title": "News"}
    forwarded = _message("news", chat=GROUP, sender_chat=channel, is_automatic_forward=True)
    assert incoming(_update(message=forwarded), BOT) is None
    assert seen("/status") == "/status"
    assert seen("/status@peerdesk_bot") == "/status@peerdesk_bot"
    assert seen("/status@other_bot") is None
    mention = "🙂 @peerdesk_bot what is due?"
    entity = {"type": "mention", "offset": 3, "length": 13}  # UTF-16: the emoji counts 2
    assert seen(mention, entities=[entity]) == "🙂 what is due?"
    bot_message = {"message_id": 40, "date": 1772452800, "chat": GROUP, "text": "card",
                   "from": {"id": 999, "is_bot": True, "first_name": "peerdesk"}}
    assert seen("thanks", reply_to_message=bot_message) == "thanks"
    other = _message("hi", chat=GROUP, message_id=39)
    assert seen("thanks", reply_to_message=other) is None
    found = incoming(_update(message=_message("/tasks", chat=GROUP)), BOT)
    assert found is not None and found.inbound.chat == ChatRef("telegram", "-100123", False, "Rios")


def test_what_the_bot_ignores() -> None:
    assert incoming(_update(edited_message=_message("changed")), BOT) is None
    assert incoming(_update(message=_message(None, photo=[])), BOT) is None
    robot = {**_message("hello"), "from": {"id": 7, "is_bot": True, "first_name": "x"}}
    assert incoming(_update(message=robot), BOT) is None
    stale = {"id": "q2", "from": ANA, "chat_instance": "c", "data": None}
    assert incoming(_update(callback_query=stale), BOT) is None
