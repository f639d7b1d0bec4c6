"""The chat-facing Bot API methods: messages, documents, files, buttons, edits, command menus.

:class:`ChatMethods` keeps no HTTP and no failure injection (bot_api.py adds those); every
method takes the decoded parameters and the uploaded files and returns the ``result`` Telegram
would, or raises :class:`~tests.telegram.errors.ApiError` with Telegram's own wording.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from tests.telegram.errors import ApiError
from tests.telegram.html_check import check_html
from tests.telegram.markdown_check import check_markdown_v2
from tests.telegram.updates import JSON, ChatLog, UpdateFactory, now

GETFILE_LIMIT = 20 * 1024 * 1024  # api.telegram.org refuses getFile for larger files


@dataclass
class Upload:
    """A file part of a multipart request."""

    content: bytes
    filename: str
    content_type: str = "application/octet-stream"



class ChatMethods:
    """sendMessage, sendDocument, getFile, answerCallbackQuery, editMessage*, deleteMessage and
    the command menus, over one :class:`ChatLog`."""

    def __init__(self, factory: UpdateFactory) -> None:
        """``factory`` knows the bot (sender of its messages), the log and open callbacks."""
        self.factory = factory
        self.log: ChatLog = factory.log
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        # Group chat id -> the users who administer it (everyone else is a plain member).
        self.admins: dict[int, set[int]] = {}

    def table(self) -> dict[str, Any]:
        """Bot API method name -> implementation."""
        return {"setMyCommands": self.set_my_commands, "getMyCommands": self.get_my_commands,
                "deleteMyCommands": self.delete_my_commands,
                "sendMessage": self.send_message, "sendDocument": self.send_document,
                "getFile": self.get_file, "answerCallbackQuery": self.answer_callback_query,
                "editMessageText": self.edit_message_text,
                "editMessageReplyMarkup": self.edit_message_reply_markup,
                "deleteMessage": self.delete_message, "getChatMember": self.get_chat_member}

    def get_chat_member(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        """A user's standing in a chat: "administrator" for those named in ``admins``,
        "member" for anyone else who wrote there, 400 for a user the chat never saw."""
        chat_id, user_id = int(required(params, "chat_id")), int(required(params, "user_id"))
        user = next((m["from"] for (chat, _n), m in self.log.messages.items()
                     if chat == chat_id and m["from"]["id"] == user_id), None)
        if user is None:
            raise ApiError(400, "Bad Request: user not found")
        if user_id not in self.admins.get(chat_id, set()):
            return {"status": "member", "user": user}
        rights = ("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
                  "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                  "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
                  "can_delete_stories")
        return {"status": "administrator", "user": user,
                **{right: right not in ("can_be_edited", "is_anonymous") for right in rights}}

    def _command_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def set_my_commands(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        """Store a command menu for (scope, language_code), refusing names Telegram refuses."""
        commands = required(params, "commands")
        for command in commands:
            name = str(command.get("command", ""))
            if not (1 <= len(name) <= 32 and name.replace("_", "").isalnum() and name.islower()):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._command_key(params)] = list(commands)
        return True

    def get_my_commands(self, params: JSON, uploads: dict[str, Upload]) -> list[JSON]:
        """The menu for exactly this (scope, language_code); empty if none was set."""
        return self.commands.get(self._command_key(params), [])

    def delete_my_commands(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        """Forget the menu for (scope, language_code)."""
        self.commands.pop(self._command_key(params), None)
        return True

    def _reply_fields(self, chat_id: int, params: JSON) -> JSON:
        """reply_to_message (whole, as Telegram embeds it) and an echoed inline keyboard."""
        fields: JSON = {}
        reply = params.get("reply_parameters") or {}
        reply_id = reply.get("message_id") or params.get("reply_to_message_id")
        if reply_id is not None:
            replied = self.log.messages.get((chat_id, int(reply_id)))
            if replied is None and not reply.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
            if replied is not None:
                fields["reply_to_message"] = {k: v for k, v in replied.items()
                                              if k != "reply_to_message"}
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            fields["reply_markup"] = markup  # only inline keyboards come back in the Message
        return fields

    def send_message(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        """A new bot message in the chat; text checked for length and ``parse_mode``."""
        chat_id = int(required(params, "chat_id"))
        text = str(params.get("text") or "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        check_entities(text, params.get("parse_mode"))
        if len(visible_text(text, params.get("parse_mode"))) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self.log.new_message(self.log.chat(chat_id), self.factory.bot, text=text,
                                    **self._reply_fields(chat_id, params))

    def send_document(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        """A document message: an uploaded file (multipart) or a known ``file_id``."""
        chat_id = int(required(params, "chat_id"))
        caption = params.get("caption")
        if caption is not None:
            check_entities(str(caption), params.get("parse_mode"))
            if len(visible_text(str(caption), params.get("parse_mode"))) > 1024:
                raise ApiError(400, "Bad Request: message caption is too long")
        document = params.get("document")
        if isinstance(document, str) and document.startswith("attach://"):
            document = None
            part = uploads.get(str(params["document"])[len("attach://"):])
        else:
            part = uploads.get("document")
        if part is not None:
            stored = self.log.add_file(part.content, file_name=part.filename)
            described: JSON = {"file_name": part.filename, "mime_type": part.content_type}
        elif isinstance(document, str) and document in self.log.files:
            stored = self.log.files[document]
            described = {"file_name": stored.file_name}
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        described.update(file_id=stored.file_id, file_unique_id=stored.file_unique_id,
                         file_size=stored.file_size)
        return self.log.new_message(self.log.chat(chat_id), self.factory.bot, document=described,
                                    caption=caption, **self._reply_fields(chat_id, params))

    def get_file(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        """A File with ``file_path`` for the download route; over 20 MB is refused."""
        stored = self.log.files.get(str(required(params, "file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.file_size > GETFILE_LIMIT:
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": stored.file_size, "file_path": stored.file_path}

    def download(self, file_path: str) -> bytes | None:
        """The bytes behind a ``file_path`` returned by getFile (None if there is none)."""
        for stored in self.log.files.values():
            if stored.file_path == file_path:
                return stored.content
        return None

    def answer_callback_query(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        """Answer a button press once; unknown or already answered ids are refused."""
        query_id = str(required(params, "callback_query_id"))
        if query_id not in self.factory.open_queries:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                                "or query ID is invalid")
        self.factory.open_queries.discard(query_id)
        return True

    def _own_message(self, params: JSON, action: str) -> JSON:
        """The message a call names; only the bot's own can be edited (any can be deleted)."""
        key = (int(required(params, "chat_id")), int(required(params, "message_id")))
        message = self.log.messages.get(key)
        bots = message is not None and message["from"]["id"] == self.factory.bot["id"]
        if message is None or (action == "edit" and not bots):
            raise ApiError(400, f"Bad Request: message to {action} not found")
        return message

    def edit_message_text(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        """Edit one of the bot's messages (by chat_id and message_id) and its keyboard."""
        message = self._own_message(params, "edit")
        text = str(params.get("text") or "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        check_entities(text, params.get("parse_mode"))
        if len(visible_text(text, params.get("parse_mode"))) > 4096:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return self._edit(message, text=text, reply_markup=params.get("reply_markup"))

    def edit_message_reply_markup(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        """Replace (or, with none, remove) the inline keyboard of one of the bot's messages."""
        message = self._own_message(params, "edit")
        return self._edit(message, text=message.get("text"),
                          reply_markup=params.get("reply_markup"))

    def _edit(self, message: JSON, *, text: Any, reply_markup: Any) -> JSON:
        markup = reply_markup if reply_markup and reply_markup.get("inline_keyboard") else None
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same as a current "
                                "content and reply markup of the message")
        message["text"] = text
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = now()
        return message

    def delete_message(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        """Delete a message of the chat."""
        message = self._own_message(params, "delete")
        del self.log.messages[(int(message["chat"]["id"]), int(message["message_id"]))]
        return True


def check_entities(text: str, parse_mode: Any) -> None:
    """Refuse text that Telegram could not parse in ``parse_mode`` (HTML or MarkdownV2)."""
    if parse_mode == "HTML":
        check_html(text)
    elif parse_mode == "MarkdownV2":
        check_markdown_v2(text)


def visible_text(text: str, parse_mode: Any) -> str:
    """The text as the user sees it (markup removed), which is what Telegram's 4,096 and
    1,024 character limits count. MarkdownV2 is approximated: escapes, link targets and the
    markup characters are dropped."""
    if parse_mode == "HTML":
        return html.unescape(re.sub(r"<[^>]*>", "", text))
    if parse_mode == "MarkdownV2":
        text = re.sub(r"\]\([^)]*\)", "", text)
        text = re.sub(r"(?<!\\)[*_~|`\[\]]", "", text)
        return re.sub(r"\\(.)", r"\1", text)
    return text


def required(params: JSON, name: str) -> Any:
    """``params[name]``, or Telegram's 400 when it is missing or empty."""
    if params.get(name) in (None, ""):
        raise ApiError(400, f"Bad Request: {name} is empty")
    return params[name]
