"""Slack's side of Socket Mode: the WebSocket an app reaches through apps.connections.open.

On connecting, the app gets ``{"type": "hello", ...}``; then the test pushes envelopes
(``events_api``, ``slash_commands``, ``interactive``) as Slack does, each with an
``envelope_id`` the app must acknowledge by sending ``{"envelope_id": ...}`` back (with a
``payload`` when it answers inline). Acks are recorded by envelope id; :meth:`wait_ack` waits
for one. :meth:`disconnect` sends Slack's ``{"type": "disconnect"}`` and closes the socket.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from tests.slack.workspace import JSON


class SocketModeHub:
    """The connected sockets, envelopes pushed and acks received."""

    def __init__(self, app_id: str = "A0PEERAPP") -> None:
        self.app_id = app_id
        self.sockets: list[web.WebSocketResponse] = []
        self.pushed: list[JSON] = []
        self.acks: dict[str, JSON] = {}
        self.unknown: list[Any] = []  # anything else the app sent
        self._changed = asyncio.Condition()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """One app connection: hello, then acks until it closes."""
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": len(self.sockets),
                                "debug_info": {"host": "applink-local",
                                               "approximate_connection_time": 18060},
                                "connection_info": {"app_id": self.app_id}})
        await self._notify()
        try:
            async for frame in socket:
                if frame.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(frame.data)
                except ValueError:
                    self.unknown.append(frame.data)
                    continue
                if isinstance(data, dict) and isinstance(data.get("envelope_id"), str):
                    self.acks[data["envelope_id"]] = data
                else:
                    self.unknown.append(data)
                await self._notify()
        finally:
            self.sockets.remove(socket)
            await self._notify()
        return socket

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_connected(self, count: int = 1) -> None:
        """Wait until at least ``count`` sockets are open."""
        async with self._changed:
            await self._changed.wait_for(lambda: len(self.sockets) >= count)

    async def push(self, kind: str, payload: JSON, *, accepts_response_payload: bool = False,
                   retry_attempt: int = 0) -> str:
        """Send one envelope to the newest socket; returns its envelope id."""
        await self.wait_connected()
        envelope_id = str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload,
                    "retry_attempt": retry_attempt,
                    "retry_reason": "timeout" if retry_attempt else ""}
        self.pushed.append(envelope)
        await self.sockets[-1].send_json(envelope)
        return envelope_id

    async def push_event(self, event: JSON, team_id: str = "T0PEERDSK") -> str:
        """An Events API event (``{"type": "message", ...}``) in its event_callback wrapper."""
        payload = {"token": "verification-token", "team_id": team_id, "api_app_id": self.app_id,
                   "event": event, "type": "event_callback",
                   "event_id": "Ev" + uuid.uuid4().hex[:10].upper(), "event_time": 1_800_000_000,
                   "authorizations": [{"team_id": team_id, "user_id": "U0PEERBOT",
                                       "is_bot": True}]}
        return await self.push("events_api", payload)

    async def push_command(self, command: str, text: str, user_id: str, channel_id: str,
                           team_id: str = "T0PEERDSK") -> str:
        """A slash command, as its form fields (``/peerdesk`` with ``text``)."""
        # Each invocation has its own trigger_id, as on Slack (it is the payload's journal key).
        payload = {"token": "verification-token", "team_id": team_id, "channel_id": channel_id,
                   "channel_name": "directmessage" if channel_id.startswith("D") else "team",
                   "user_id": user_id, "user_name": user_id.lower(), "command": command,
                   "text": text, "api_app_id": self.app_id,
                   "trigger_id": f"{uuid.uuid4().int % 10**11}.738474920.{uuid.uuid4().hex[:12]}",
                   "response_url": "http://127.0.0.1/commands/response"}
        return await self.push("slash_commands", payload, accepts_response_payload=True)

    async def push_interactive(self, payload: JSON) -> str:
        """An interactive payload (``block_actions``, ``view_submission``...)."""
        return await self.push("interactive", payload,
                               accepts_response_payload=payload.get("type") != "block_actions")

    async def wait_ack(self, envelope_id: str) -> JSON:
        """The app's ack of an envelope, once it came."""
        async with self._changed:
            await self._changed.wait_for(lambda: envelope_id in self.acks)
        return self.acks[envelope_id]

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Tell the apps to reconnect, as Slack does every few hours, and close."""
        for socket in list(self.sockets):
            await socket.send_json({"type": "disconnect", "reason": reason,
                                    "debug_info": {"host": "applink-local"}})
            await socket.close()

    async def close(self) -> None:
        """Close every socket (server shutting down)."""
        for socket in list(self.sockets):
            await socket.close()
