"""The webhook's HTTP server: Telegram posts each update here, with the secret token set.

A request is answered 403 (and nothing else happens) unless its
``X-Telegram-Bot-Api-Secret-Token`` header equals the secret, compared in constant time; a body
that is not a JSON update is answered 400. An accepted update is answered 200 only once the
adapter recorded it, so Telegram delivers again anything a failure or a crash kept from being
recorded (a failure answers 500). Handling happens after the answer, in the adapter.

It runs on aiohttp in the adapter's own event loop (python-telegram-bot's ``run_webhook`` owns
the loop and confirms updates as soon as they are queued in memory, so it is not used).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from telegram import Bot, Update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are small; a bigger body is refused (413) before it is read.
MAX_BODY = 1024 * 1024
# At a stop, requests under way get this long to finish recording their update.
SHUTDOWN_SECONDS = 10.0

Accept = Callable[[Sequence[Update]], Awaitable[object]]


class WebhookUnavailable(Exception):
    """The webhook cannot start: its port cannot be opened or Telegram refused its URL (the
    message says which and what to change)."""


class WebhookServer:
    """Listens on ``listen:port`` and hands each authorised update to ``accept``."""

    def __init__(self, accept: Accept, bot: Bot, secret: str, listen: str, port: int,
                 path: str) -> None:
        """``accept`` records updates (and queues them for handling); ``port`` 0 picks a free
        one (see :attr:`port` once started)."""
        self._accept = accept
        self._bot = bot
        self._secret = secret.encode()
        self.listen = listen
        self.port = port
        self.path = path
        self._runner: web.AppRunner | None = None

    @property
    def listening(self) -> bool:
        """Whether the server is up."""
        return self._runner is not None

    async def start(self) -> None:
        """Start listening (an OSError says why it cannot, e.g. the port is taken)."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._receive)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.listen, self.port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening; requests under way finish first."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    def authorised(self, given: str | None) -> bool:
        """Whether a request carries the secret (compared in constant time)."""
        return given is not None and hmac.compare_digest(
            given.encode("utf-8", "surrogateescape"), self._secret)  # any bytes, never a 500

    async def _receive(self, request: web.Request) -> web.Response:
        if not self.authorised(request.headers.get(SECRET_HEADER)):
            log.info("telegram webhook: refused a request from %s without the right secret "
                     "token", request.remote)
            return web.Response(status=403, text="Forbidden")
        update = parse_update(await request.read(), self._bot)
        if update is None:
            return web.Response(status=400, text="Bad Request: not a Telegram update")
        try:
            await self._accept([update])
        except Exception:
            log.exception("telegram webhook: update %s could not be recorded; Telegram will "
                          "deliver it again", update.update_id)
            return web.Response(status=500, text="Not recorded")
        return web.Response(status=200)


def parse_update(body: bytes, bot: Bot) -> Update | None:
    """The update a body holds, or None when it is not a JSON Telegram update."""
    try:
        data: Any = json.loads(body)
    except ValueError:  # includes bad UTF-8
        return None
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        return None
    try:
        return Update.de_json(data, bot)
    except (TypeError, ValueError, KeyError, AttributeError):
        return None
