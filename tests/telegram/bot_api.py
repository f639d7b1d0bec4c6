"""The Bot API's behaviour, without HTTP: one bot's Telegram, and what tests do to it.

:class:`BotApi` answers ``call(method, params, files)`` with ``(http_status, json_body)`` the way
api.telegram.org does, including its error texts: getMe, webhooks, getUpdates (update_queue.py)
and the chat methods (chat_methods.py), with every call recorded, failures injected on request,
blocked users and the optional sending limits (limits.py) applied first. The HTTP front
(bot_api_server.py) and the in-memory request (offline.py) both delegate to it, so every test
sees one behaviour.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.telegram.chat_methods import ChatMethods, Upload
from tests.telegram.errors import ApiError
from tests.telegram.limits import SENDING_METHODS, RateLimits
from tests.telegram.update_queue import UpdateQueue
from tests.telegram.updates import JSON, ChatLog, UpdateFactory
from tests.telegram.webhooks import check_webhook


@dataclass
class Call:
    """One request the bot made: method, parameters (decoded), its chat, and the answer."""

    method: str
    params: JSON
    chat_id: int | None
    status: int = 200
    result: Any = None
    uploads: dict[str, bytes] = field(default_factory=dict)
    answered: bool = False  # the answer is ready (False: the call is still in flight)

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
        self.chats = ChatMethods(self.factory)
        self.blocked: set[int] = set()
        self.webhook_url = ""
        self.webhook_secret = ""  # setWebhook's secret_token: sent back with each update
        self.limits: RateLimits | None = None
        # Seconds a sending call takes after Telegram carried it out, before it answers: the
        # message is delivered, the bot does not know yet (crash tests kill it in between).
        self.send_latency = 0.0
        self._clock = clock
        self._failures: list[Failure] = []
        self._activity = asyncio.Event()
        self.updates = UpdateQueue(on_change=self._activity.set)
        self._methods: dict[str, Method] = {
            "getMe": lambda p, f: self.me, "logOut": lambda p, f: True,
            "close": lambda p, f: True,
            "deleteWebhook": self._delete_webhook, "setWebhook": self._set_webhook,
            "getWebhookInfo": self._webhook_info,
            **self.chats.table(),
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
                  retry_after: int = 3, delay: float = 0.0, times: int = 1,
                  migrate_to_chat_id: int | None = None) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id``, if given) with an
        error, after ``delay`` seconds. 429 carries ``retry_after``; other codes get
        Telegram's usual description unless one is given. ``error_code=None`` with a delay
        is a slow success: the call is carried out, only late (a client timeout then does not
        mean the message was not sent)."""
        error = None
        if error_code is not None:
            error = ApiError(error_code, description,
                             retry_after if error_code == 429 else None, migrate_to_chat_id)
        self._failures.append(Failure(method, chat_id, error, delay, times))

    def make_admin(self, chat_id: int, user_id: int) -> None:
        """The user administers the group (getChatMember says so)."""
        self.chats.admins.setdefault(chat_id, set()).add(user_id)

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every later call naming their chat answers 403."""
        self.blocked.add(chat_id)

    def enforce_limits(self, limits: RateLimits | None = None) -> RateLimits:
        """Refuse sends beyond Telegram's limits with 429 from now on; returns the counters."""
        self.limits = limits or RateLimits(clock=self._clock)
        return self.limits

    @property
    def in_flight(self) -> list[Call]:
        """The calls received and not answered yet."""
        return [call for call in self.calls if not call.answered]

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

    def download(self, file_path: str) -> bytes | None:
        """The bytes behind a ``file_path`` that getFile returned (None if there are none)."""
        return self.chats.download(file_path)

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
            if chat_id is not None and chat_id in self.blocked:
                raise ApiError(403)
            if method in SENDING_METHODS and chat_id is not None:
                wait = self.limits.admit(chat_id) if self.limits else None
                if wait is not None:
                    raise ApiError(429, retry_after=wait)
            call.result = copy.deepcopy(await run(params, uploads))  # later edits stay out
            if self.send_latency and method in SENDING_METHODS:
                await asyncio.sleep(self.send_latency)
        except ApiError as error:
            call.status = error.error_code
            return error.error_code, error.body()
        finally:
            call.answered = True
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
        self.webhook_url = self.webhook_secret = ""
        if params.get("drop_pending_updates"):
            self.updates.drop_pending()
        return True

    def _set_webhook(self, params: JSON, uploads: dict[str, Upload]) -> bool:
        """Telegram's checks (see webhooks.py), then the URL and secret are kept; an empty URL
        removes the webhook."""
        url = str(params.get("url") or "")
        if not url:
            return self._delete_webhook(params, uploads)
        secret = str(params.get("secret_token") or "")
        check_webhook(url, secret)
        self.webhook_url, self.webhook_secret = url, secret
        if params.get("allowed_updates") is not None:  # shared with getUpdates, as Telegram
            self.updates.allowed_updates = list(params["allowed_updates"])
        if params.get("drop_pending_updates"):
            self.updates.drop_pending()
        return True

    def _webhook_info(self, params: JSON, uploads: dict[str, Upload]) -> JSON:
        info: JSON = {"url": self.webhook_url, "has_custom_certificate": False,
                      "pending_update_count": self.updates.pending}
        if self.webhook_url:
            info["max_connections"] = 40
            if self.updates.allowed_updates is not None:
                info["allowed_updates"] = list(self.updates.allowed_updates)
        return info


def _chat_id(params: JSON) -> int | None:
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None
