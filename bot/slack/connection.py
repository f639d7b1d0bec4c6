"""Slack's Socket Mode: the WebSocket Slack pushes events through (no public URL needed), kept
alive and watched.

slack_sdk's aiohttp client pings, notices a stale or closed session and reconnects by itself;
its log lines go to ``peerdesk.slack.socket``. On top of that a health check looks every few
seconds: the moment the connection is found down it is logged, and if it stays down for two
checks in a row a new connection is forced (the client's own reconnection may be stuck on a
dead network). :attr:`SocketModeLink.connected` says whether Slack can reach us now.

Each envelope first meets a *door* (the adapter's): a payload the help desk handles is recorded
there and acknowledged at once, before bolt dispatches it — bolt's dispatch costs about a
quarter of a millisecond, and under a burst the acks would otherwise wait for every dispatch
ahead of them. Whatever the door leaves (a modal's submission, whose ack carries the answer;
events the bot only acknowledges) goes through bolt, which acknowledges it as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.door import Admission, Door, NoDoor

log = logging.getLogger(__name__)

# How long opening the WebSocket may take at start before peerdesk gives up and says so.
CONNECT_SECONDS = 30.0


class SocketModeRefused(Exception):
    """Slack refused the app-level token, or the connection could not be opened."""


class _DoorHandler(AsyncSocketModeHandler):
    """bolt's Socket Mode handler, with the door in front of it."""

    def __init__(self, bolt: AsyncApp, app_token: str, door: Door,
                 **options: Any) -> None:
        super().__init__(bolt, app_token, **options)
        self.door = door

    async def handle(self, client: SocketModeClient,  # type: ignore[override]  # as bolt's
                     req: SocketModeRequest) -> None:
        with self.door.arriving():
            admission = await self.door.admit(req.type, req.payload)
            if admission is Admission.ACKNOWLEDGE:
                await client.send_socket_mode_response(
                    SocketModeResponse(envelope_id=req.envelope_id))
        if admission is Admission.TO_BOLT:
            await super().handle(client, req)


class SocketModeLink:
    """One Socket Mode connection for ``bolt``, with the app-level token; each envelope meets
    ``door`` first."""

    def __init__(self, bolt: AsyncApp, app_token: str, client: AsyncWebClient,
                 health_seconds: float = 30.0, ping_seconds: float = 10.0,
                 door: Door | None = None) -> None:
        self.handler = _DoorHandler(
            bolt, app_token, door or NoDoor(), logger=logging.getLogger("peerdesk.slack.socket"),
            web_client=client, ping_interval=ping_seconds)
        self.health_seconds = health_seconds
        self.connected = False
        self.down_since: float | None = None
        self.reconnections = 0
        self._watch: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect (``apps.connections.open``, then the WebSocket) and start watching. Raises
        :class:`SocketModeRefused` when Slack refuses the app-level token or cannot be reached
        (slack_sdk would otherwise try again every 10 s, for ever, in silence)."""
        client = self.handler.client
        try:
            await client.web_client.apps_connections_open(app_token=client.app_token)
        except SlackApiError as exc:
            raise SocketModeRefused(
                f"Slack refused the app-level token ({exc.response.get('error')})") from exc
        except (TimeoutError, OSError, aiohttp.ClientError) as exc:
            raise SocketModeRefused(f"cannot reach Slack ({exc or type(exc).__name__})") \
                from exc
        try:
            await asyncio.wait_for(self.handler.connect_async(),  # type: ignore[no-untyped-call]
                                   CONNECT_SECONDS)
        except TimeoutError as exc:
            await self.handler.close_async()  # type: ignore[no-untyped-call]
            raise SocketModeRefused("the Socket Mode connection did not open within "
                                    f"{CONNECT_SECONDS:.0f} s") from exc
        self.connected = await client.is_connected()
        log.info("slack: Socket Mode connected")
        self._watch = asyncio.create_task(self._check_health(), name="slack-socket-health")

    async def stop(self) -> None:
        """Stop watching and close the connection."""
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
        await self.handler.close_async()  # type: ignore[no-untyped-call]
        self.connected = False

    async def check(self) -> bool:
        """One health check: notice a change, force a new connection when it stays down;
        whether the connection is up now."""
        client = self.handler.client
        up = await client.is_connected()
        if not up and self.connected:
            log.warning("slack: the Socket Mode connection is down; reconnecting")
            self.down_since = time.monotonic()
        elif not up:
            log.warning("slack: the Socket Mode connection is still down; opening a new one")
            self.reconnections += 1
            try:
                await client.connect_to_new_endpoint(force=True)
            except Exception as exc:
                log.warning("slack: could not open a new Socket Mode connection: %s", exc)
            up = await client.is_connected()
        if up and not self.connected:
            gone = time.monotonic() - self.down_since if self.down_since else 0.0
            log.info("slack: Socket Mode connected again (down %.0f s)", gone)
            self.down_since = None
        self.connected = up
        return up

    async def _check_health(self) -> None:
        while True:
            await asyncio.sleep(self.health_seconds)
            try:
                await self.check()
            except Exception:
                log.exception("slack: the Socket Mode health check failed")
