"""A Telegram Bot API server of our own on 127.0.0.1, run inside the test's event loop.

:class:`BotApiServer` is a :class:`~tests.telegram.bot_api.BotApi` (updates, recorded calls,
injected failures, limits) with an aiohttp front that speaks HTTP exactly where
python-telegram-bot 22 expects Telegram:

* ``/bot<TOKEN>/<method>``, GET or POST, parameters in the query string, a JSON body, a
  form-encoded body or multipart (PTB sends form fields whose non-string values are
  JSON-encoded, and files as multipart parts);
* ``/file/bot<TOKEN>/<file_path>`` for downloads of what getFile described.

A wrong token answers 401 Unauthorized; an unknown method 404, as Telegram does. Use it as
``async with BotApiServer() as server:`` and point a bot at ``server.base_url`` and
``server.base_file_url`` (see offline.py for ready-made bots and applications).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tests.telegram.bot_api import BotApi
from tests.telegram.chat_methods import Upload
from tests.telegram.updates import JSON

# How PTB's form-encoded values are decoded (it JSON-encodes everything that is not a string).
JSON_FIELDS = frozenset({"reply_markup", "commands", "scope", "allowed_updates",
                         "reply_parameters", "entities", "caption_entities",
                         "link_preview_options", "media"})
INT_FIELDS = frozenset({"chat_id", "from_chat_id", "offset", "limit", "timeout", "message_id",
                        "reply_to_message_id", "cache_time", "message_thread_id"})
BOOL_FIELDS = frozenset({"drop_pending_updates", "show_alert", "disable_notification",
                         "protect_content", "allow_sending_without_reply",
                         "disable_content_type_detection"})
UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}
NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}


def decode_form_value(name: str, value: str) -> Any:
    """A form field's value as Telegram understands it (``"123"`` chat ids are numbers...)."""
    if name in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name in INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value  # e.g. chat_id="@channelusername"
    if name in BOOL_FIELDS:
        return value.lower() == "true"
    return value


class BotApiServer(BotApi):
    """The fake Bot API served over HTTP on a free port of 127.0.0.1."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Arguments as for :class:`BotApi` (token, username, clock)."""
        super().__init__(*args, **kwargs)
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """For ``Bot(base_url=...)``: PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``Bot(base_file_url=...)``: PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1 (only there)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Release waiting long polls and close the listening socket."""
        self.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """Route ``/bot<TOKEN>/<method>`` and ``/file/bot<TOKEN>/<path>``."""
        path = request.path
        if path.startswith("/file/bot"):
            token, _, file_path = path[len("/file/bot"):].partition("/")
            if token != self.token:
                return web.json_response(UNAUTHORIZED, status=401)
            content = self.download(file_path)
            if content is None:
                return web.json_response(NOT_FOUND, status=404)
            return web.Response(body=content, content_type="application/octet-stream")
        if not path.startswith("/bot"):
            return web.json_response(NOT_FOUND, status=404)
        token, _, method = path[len("/bot"):].partition("/")
        if ":" not in token:
            return web.json_response(NOT_FOUND, status=404)
        if token != self.token:
            return web.json_response(UNAUTHORIZED, status=401)
        params, uploads = await _read_parameters(request)
        status, body = await self.call(method, params, uploads)
        return web.json_response(body, status=status)


async def _read_parameters(request: web.Request) -> tuple[JSON, dict[str, Upload]]:
    """Query-string, JSON, form-encoded and multipart parameters, decoded; and file parts."""
    params: JSON = {name: decode_form_value(name, value)
                    for name, value in request.query.items()}
    uploads: dict[str, Upload] = {}
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                uploads[name] = Upload(value.file.read(), value.filename, value.content_type)
            elif isinstance(value, str):
                params[name] = decode_form_value(name, value)
            else:
                params[name] = decode_form_value(name, value.decode())
    return params, uploads
