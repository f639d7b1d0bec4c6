"""The Bot API's behaviour, without HTTP: methods, the update queue, injected failures, limits.

:class:`BotApi` answers ``call(method, params, files)`` with ``(http_status, json_body)`` the way
api.telegram.org does, including its error texts. The HTTP front (bot_api_server.py) and the
in-memory request (offline.py) both delegate to it, so every test sees one behaviour.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.telegram.errors import ApiError
from tests.telegram.html_check import check_html
from tests.telegram.limits import SENDING_METHODS, RateLimits
from tests.telegram.markdown_check import check_markdown_v2
from tests.telegram.update_queue import UpdateQueue
from tests.telegram.updates import JSON, ChatLog, UpdateFactory, now

GETFILE_LIMIT = 20 * 1024 * 1024  # api.telegram.org refuses getFile for larger files


@dataclass
class Call:
    """One request the bot made: method, parameters (decoded), its chat, and the answer."""

    method: str
    params: JSON
    chat_id: int | None
    status: int = 200
    result: Any = None
    uploads: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether Telegram accepted it."""
        return self.status == 200


@dataclass
class Failure:
    """An injected answer for the next matching call (see :meth:`BotApi.fail_next`)."""

    method: str
    chat_id: int | None
    error: ApiError | None
    delay: float
    times: int


@dataclass
class Upload:
    """A file part of a multipart request."""

    content: bytes
    filename: str
    content_type: str = "application/octet-stream"


Method = Callable[[JSON, dict[str, Upload]], Any]


class BotApi:
    """One bot's view of Telegram: what it sent, what users send it, and how Telegram answers."""

    def __init__(self, token: str = "123456789:TEST-token-for-peerdesk", *,
                 username: str = "peerdesk_test_bot",
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``clock`` drives the optional rate limits (tests pass a fake one)."""
        self.token = token
        self.me: JSON = {
            "id": int(token.split(":", 1)[0]), "is_bot": True, "first_name": "Peerdesk Test",
            "username": username, "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": False,
            "can_connect_to_business": False, "has_main_web_app": False}
        self.log = ChatLog()
        # Messages carry the bot as a plain User (the can_* fields come only with getMe).
        sender = {key: self.me[key] for key in ("id", "is_bot", "first_name", "username")}
        self.factory = UpdateFactory(sender, self.log)
        self.calls: list[Call] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.blocked: set[int] = set()
        self.webhook_url = ""
        self.limits: RateLimits | None = None
        self._clock = clock
        self._failures: list[Failure] = []
        self._activity = asyncio.Event()
        self.updates = UpdateQueue(on_change=self._activity.set)
        self._methods: dict[str, Method] = {
            "getMe": lambda p, f: self.me, "logOut": lambda p, f: True,
            "close": lambda p, f: True,
            "deleteWebhook": self._delete_webhook, "setWebhook": self._set_webhook,
            "getWebhookInfo": self._webhook_info,
            "setMyCommands": self._set_commands, "getMyCommands": self._get_commands,
            "deleteMyCommands": self._delete_commands,
            "sendMessage": self._send_message, "sendDocument": self._send_document,
            "getFile": self._get_file, "answerCallbackQuery": self._answer_callback,
            "editMessageText": self._edit_text,
            "editMessageReplyMarkup": self._edit_markup, "deleteMessage": self._delete,
        }

    # ----------------------------------------------------------------- what tests drive

    def push_update(self, update: JSON, *, duplicate: bool = False) -> JSON:
        """Queue ``update`` for getUpdates; with ``duplicate`` Telegram delivers it twice: again
        in the response after the one that first carries it, whatever the offset says."""
        self.updates.push(update, duplicate=duplicate)
        return update

    def push_message(self, sender: JSON, text: str, chat: JSON | None = None, *,
                     reply_to: int | JSON | None = None, duplicate: bool = False) -> JSON:
        """Build (see :meth:`UpdateFactory.message_from`) and queue a text message update."""
        update = self.factory.message_from(sender, text, chat, reply_to=reply_to)
        return self.push_update(update, duplicate=duplicate)

    def push_document(self, sender: JSON, content: bytes, file_name: str = "report.pdf",
                      chat: JSON | None = None, **fields: Any) -> JSON:
        """Build (see :meth:`UpdateFactory.document_from`) and queue a document update."""
        return self.push_update(
            self.factory.document_from(sender, content, file_name, chat, **fields))

    def push_callback(self, sender: JSON, message_id: int, data: str,
                      chat: JSON | None = None) -> JSON:
        """Build (see :meth:`UpdateFactory.callback_from`) and queue a button press."""
        return self.push_update(self.factory.callback_from(sender, message_id, data, chat))

    def redeliver(self, update: JSON) -> None:
        """Deliver an already delivered (and confirmed) update once more, ignoring offsets."""
        self.updates.redeliver(update)

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by an offset."""
        return self.updates.pending

    def fail_next(self, method: str, chat_id: int | None = None, *,
                  error_code: int | None = 429, description: str | None = None,
                  retry_after: int = 3, delay: float = 0.0, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id``, if given) with an
        error, after ``delay`` seconds. 429 carries ``retry_after``; other codes get
        Telegram's usual description unless one is given. ``error_code=None`` with a delay
        is a slow success: the call is carried out, only late (a client timeout then does not
        mean the message was not sent)."""
        error = None
        if error_code is not None:
            error = ApiError(error_code, description,
                             retry_after if error_code == 429 else None)
        self._failures.append(Failure(method, chat_id, error, delay, times))

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every later send to them answers 403."""
        self.blocked.add(chat_id)

    def enforce_limits(self, limits: RateLimits | None = None) -> RateLimits:
        """Refuse sends beyond Telegram's limits with 429 from now on; returns the counters."""
        self.limits = limits or RateLimits(clock=self._clock)
        return self.limits

    @property
    def sent(self) -> list[Call]:
        """The calls Telegram accepted, in order."""
        return [call for call in self.calls if call.ok]

    def sent_to(self, chat_id: int, method: str = "sendMessage") -> list[Call]:
        """Accepted calls of ``method`` to ``chat_id``."""
        return [call for call in self.sent if call.chat_id == chat_id and call.method == method]

    def texts_to(self, chat_id: int) -> list[str]:
        """The texts of the messages delivered to ``chat_id``."""
        return [str(call.params["text"]) for call in self.sent_to(chat_id)]

    async def wait_for(self, done: Callable[[], bool], within: float = 3.0) -> None:
        """Wait until ``done()`` holds, re-checking after every answered call and pushed update
        (the bot runs in the same loop); TimeoutError after ``within`` seconds."""
        async with asyncio.timeout(within):
            while not done():
                self._activity.clear()
                await self._activity.wait()

    def close(self) -> None:
        """Release every waiting getUpdates (they answer with what there is)."""
        self.updates.close()

    # ----------------------------------------------------------------- the API itself

    async def call(self, method: str, params: JSON,
                   uploads: dict[str, Upload] | None = None) -> tuple[int, JSON]:
        """Carry out ``method`` and return the HTTP status and JSON body Telegram would send."""
        uploads = uploads or {}
        if method.lower() == "getupdates":
            return await self._answer(method, params, uploads, self._get_updates)
        handler = self._methods.get(method) or next(
            (h for name, h in self._methods.items() if name.lower() == method.lower()), None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404,
                         "description": "Not Found: method not found"}

        async def run(p: JSON, f: dict[str, Upload]) -> Any:
            return handler(p, f)
        return await self._answer(method, params, uploads, run)

    async def _answer(self, method: str, params: JSON, uploads: dict[str, Upload],
                      run: Callable[[JSON, dict[str, Upload]], Awaitable[Any]],
                      ) -> tuple[int, JSON]:
        """Record the call, apply injected failures and limits, run it, answer."""
        chat_id = _chat_id(params)
        call = Call(method, params, chat_id,
                    uploads={name: part.content for name, part in uploads.items()})
        self.calls.append(call)
        try:
            failure = self._take_failure(method, chat_id)
            if failure is not None and failure.delay:
                await asyncio.sleep(failure.delay)
            if failure is not None and failure.error is not None:
                raise failure.error
            if method in SENDING_METHODS and chat_id is not None:
                if chat_id in self.blocked:
                    raise ApiError(403)
                wait = self.limits.admit(chat_id) if self.limits else None
                if wait is not None:
                    raise ApiError(429, retry_after=wait)
            call.result = copy.deepcopy(await run(params, uploads))  # later edits stay out
        except ApiError as error:
            call.status = error.error_code
            return error.error_code, error.body()
        finally:
            self._activity.set()
        return 200, {"ok": True, "result": call.result}

    def _take_failure(self, method: str, chat_id: int | None) -> Failure | None:
        for failure in self._failures:
            if failure.method == method and failure.chat_id in (None, chat_id):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    async def _get_updates(self, params: JSON, uploads: dict[str, Upload]) -> list[JSON]:
        """Long polling (see update_queue.py); refused while a webhook is set."""
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                "active; use deleteWebhook to delete the webhook first")
        return await self.updates.get(int(params.get("offset") or 0),
                                      int(params.get("limit") or 100),
                                      float(params.get("timeout") or 0),
                                      params.get("allowed_updates"))

    def _delete_webhook(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self.updates.drop_pending()
        return True

    def _set_webhook(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        self.webhook_url = str(_required(params, "url"))
        return True

    def _webhook_info(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        return {"url": self.webhook_url, "has_custom_certificate": False,
                "pending_update_count": self.updates.pending}

    def _command_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_commands(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        commands = _required(params, "commands")
        for command in commands:
            name = str(command.get("command", ""))
            if not (1 <= len(name) <= 32 and name.replace("_", "").isalnum() and name.islower()):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._command_key(params)] = list(commands)
        return True

    def _get_commands(self, params: JSON, uploads: dict[str, Upload]) -> list[JSON]:
        return self.commands.get(self._command_key(params), [])

    def _delete_commands(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        self.commands.pop(self._command_key(params), None)
        return True

    def _reply_fields(self, chat_id: int, params: JSON) -> JSON:
        """reply_to_message (whole, as Telegram embeds it) and an echoed inline keyboard."""
        fields: JSON = {}
        reply = params.get("reply_parameters") or {}
        reply_id = reply.get("message_id") or params.get("reply_to_message_id")
        if reply_id is not None:
            replied = self.log.messages.get((chat_id, int(reply_id)))
            if replied is None:
                raise ApiError(400, "Bad Request: message to be replied not found")
            fields["reply_to_message"] = {k: v for k, v in replied.items()
                                          if k != "reply_to_message"}
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            fields["reply_markup"] = markup  # only inline keyboards come back in the Message
        return fields

    def _send_message(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id = int(_required(params, "chat_id"))
        text = str(params.get("text") or "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        check_entities(text, params.get("parse_mode"))
        return self.log.new_message(self.log.chat(chat_id), self.factory.bot, text=text,
                                    **self._reply_fields(chat_id, params))

    def _send_document(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        chat_id = int(_required(params, "chat_id"))
        caption = params.get("caption")
        if caption is not None and len(str(caption)) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        if caption is not None:
            check_entities(str(caption), params.get("parse_mode"))
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
            described = {"file_name": stored.file_path.rsplit("/", 1)[1]}
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        described.update(file_id=stored.file_id, file_unique_id=stored.file_unique_id,
                         file_size=stored.file_size)
        return self.log.new_message(self.log.chat(chat_id), self.factory.bot, document=described,
                                    caption=caption, **self._reply_fields(chat_id, params))

    def _get_file(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        stored = self.log.files.get(str(_required(params, "file_id")))
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

    def _answer_callback(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        query_id = str(_required(params, "callback_query_id"))
        if query_id not in self.factory.open_queries:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                                "or query ID is invalid")
        self.factory.open_queries.discard(query_id)
        return True

    def _own_message(self, params: JSON, action: str) -> JSON:
        """The message a call names; only the bot's own can be edited (any can be deleted)."""
        key = (int(_required(params, "chat_id")), int(_required(params, "message_id")))
        message = self.log.messages.get(key)
        if message is None or (action == "edit" and message["from"]["id"] != self.me["id"]):
            raise ApiError(400, f"Bad Request: message to {action} not found")
        return message

    def _edit_text(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        message = self._own_message(params, "edit")
        text = str(params.get("text") or "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        check_entities(text, params.get("parse_mode"))
        return self._edit(message, text=text, reply_markup=params.get("reply_markup"))

    def _edit_markup(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
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

    def _delete(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        message = self._own_message(params, "delete")
        del self.log.messages[(int(message["chat"]["id"]), int(message["message_id"]))]
        return True


def check_entities(text: str, parse_mode: Any) -> None:
    """Refuse text that Telegram could not parse in ``parse_mode`` (HTML or MarkdownV2)."""
    if parse_mode == "HTML":
        check_html(text)
    elif parse_mode == "MarkdownV2":
        check_markdown_v2(text)


def _required(params: JSON, name: str) -> Any:
    if params.get(name) in (None, ""):
        raise ApiError(400, f"Bad Request: {name} is empty" if name != "chat_id"
                       else "Bad Request: chat_id is empty")
    return params[name]


def _chat_id(params: JSON) -> int | None:
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None
