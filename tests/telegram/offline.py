"""python-telegram-bot wired for tests: no network, in-memory Telegram, or our loopback server.

* :class:`OfflineRequest` fails the test on any request (as PTB's own test suite does): for
  adapter unit tests that feed JSON updates to ``Application.process_update`` and must not
  talk to anything.
* :class:`InMemoryRequest` answers every request from a :class:`BotApi` in the same process,
  without sockets: the same behaviour as the HTTP server (recorded calls, injected failures),
  for unit tests that assert what the adapter sends.
* :func:`server_bot`, :func:`server_builder` and :func:`server_application` point PTB at a
  running :class:`~tests.telegram.bot_api_server.BotApiServer` on 127.0.0.1 through
  ``base_url`` and ``base_file_url``, with PTB's real HTTPX transport (end-to-end tests).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from telegram import Bot, User
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from tests.telegram.bot_api import BotApi
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.chat_methods import Upload

TOKEN = "123456789:TEST-token-for-peerdesk"
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
AnyBuilder = ApplicationBuilder[Any, Any, Any, Any, Any, Any]


class OfflineRequest(BaseRequest):
    """A request class that fails the test on any network use. ``attempts`` keeps the URLs,
    in case the failure is swallowed by something between PTB and the test."""

    def __init__(self) -> None:
        """No connection pool: nothing is ever sent."""
        self.attempts: list[str] = []

    @property
    def read_timeout(self) -> float | None:
        """Never used; required by BaseRequest."""
        return 1.0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Fail the test: an offline test tried to reach the network."""
        self.attempts.append(url)
        pytest.fail(f"OfflineRequest: network access attempted: {method} {url}")


class InMemoryRequest(BaseRequest):
    """Answers from ``api`` directly: ``/bot<TOKEN>/<method>`` and ``/file/bot<TOKEN>/<path>``
    URLs are resolved in memory, so PTB parses real Bot API answers with no socket at all."""

    def __init__(self, api: BotApi) -> None:
        """``api`` holds the state every answer comes from."""
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        """PTB adds this to getUpdates' long-poll timeout; nothing waits on a socket here."""
        return 1.0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Resolve ``url`` against the in-memory Bot API."""
        path = unquote(urlsplit(url).path)
        marker = "/file/bot" if path.startswith("/file/bot") else "/bot"
        token, _, rest = path.partition(marker)[2].partition("/")
        if token != self.api.token:
            return 401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}'
        if marker == "/file/bot":
            content = self.api.download(rest)
            return (200, content) if content is not None else (404, b'{"ok":false}')
        params = dict(request_data.parameters) if request_data else {}
        uploads: dict[str, Upload] = {}
        if request_data and request_data.contains_files:
            for name, (filename, part, mime) in request_data.multipart_data.items():
                raw = part if isinstance(part, bytes) else part.read()
                uploads[name] = Upload(raw, filename, mime)
                params.pop(name, None)
        status, body = await self.api.call(rest, params, uploads)
        return status, json.dumps(body).encode()


def _bot_user(api: BotApi | None) -> User:
    me = api.me if api is not None else {"id": int(TOKEN.split(":")[0]), "is_bot": True,
                                         "first_name": "Peerdesk Test",
                                         "username": "peerdesk_test_bot"}
    return User.de_json(me, None)


def offline_application(token: str = TOKEN, api: BotApi | None = None,
                        builder: AnyBuilder | None = None) -> AnyApplication:
    """An Application that never touches the network: with ``api``, requests are answered by
    it in memory (and recorded there); without, any request fails the test. Its bot already
    knows who it is, so ``initialize()`` needs no getMe; no updater (updates are fed with
    ``process_update``). ``builder`` may bring settings of the adapter's own."""
    builder = (builder or ApplicationBuilder()).token(api.token if api else token).updater(None)
    if api is not None:
        builder = builder.request(InMemoryRequest(api)).get_updates_request(InMemoryRequest(api))
    else:
        builder = builder.request(OfflineRequest()).get_updates_request(OfflineRequest())
    application = builder.build()
    # PTB has no public way to give a bot its user without getMe: set what initialize() would
    # (our request classes need no set-up), so initialize() returns at once.
    application.bot._bot_user = _bot_user(api)
    application.bot._bot_initialized = True
    application.bot._requests_initialized = True
    return application


def loopback_request(read_timeout: float = 5.0) -> HTTPXRequest:
    """PTB's HTTPX transport for 127.0.0.1: ``trust_env=False``, so no proxy named in the
    environment ever sees the traffic; ``verify=False`` because loopback is plain HTTP and
    loading the CA bundle costs a tenth of a second per client."""
    return HTTPXRequest(read_timeout=read_timeout, connect_timeout=2.0,
                        httpx_kwargs={"trust_env": False, "verify": False})


def server_bot(server: BotApiServer, *, read_timeout: float = 5.0) -> Bot:
    """A Bot talking to ``server`` (a started BotApiServer) over HTTP on 127.0.0.1."""
    return Bot(server.token, base_url=server.base_url, base_file_url=server.base_file_url,
               request=loopback_request(read_timeout),
               get_updates_request=loopback_request(read_timeout))


def server_builder(server: BotApiServer, *, read_timeout: float = 5.0,
                   builder: AnyBuilder | None = None) -> AnyBuilder:
    """An ApplicationBuilder aimed at ``server`` over 127.0.0.1 (token, base URLs, loopback
    transports), for the caller to add its own settings to and build."""
    return ((builder or ApplicationBuilder()).token(server.token).base_url(server.base_url)
            .base_file_url(server.base_file_url).request(loopback_request(read_timeout))
            .get_updates_request(loopback_request(read_timeout)))


def server_application(server: BotApiServer, *, read_timeout: float = 5.0) -> AnyApplication:
    """An Application (with its polling Updater) talking to ``server`` over 127.0.0.1."""
    return server_builder(server, read_timeout=read_timeout).build()
