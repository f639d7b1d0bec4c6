"""A Slack of our own on 127.0.0.1, run inside the test's event loop.

:class:`SlackServer` is a :class:`~tests.slack.web_api.SlackWebApi` with an aiohttp front that
speaks HTTP where slack_sdk 3.48 expects slack.com:

* ``/api/<method>`` (point ``AsyncWebClient(base_url=server.api_url)`` here): the token from
  ``Authorization: Bearer`` or a ``token`` parameter; parameters from the query string, a
  form-encoded or JSON body;
* ``/upload/v1/<file id>``: the upload URL files.getUploadURLExternal hands out (bytes posted);
* ``/files-pri/<team>-<file id>/<name>``: file downloads, which need the bot token as
  ``Authorization: Bearer``; without it Slack answers a sign-in HTML page (status 200), so
  here too;
* ``/link``: the Socket Mode WebSocket (see socket_mode.py) apps.connections.open points to.

Use it as ``async with SlackServer() as server:``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tests.slack.socket_mode import SocketModeHub
from tests.slack.web_api import SlackWebApi
from tests.slack.workspace import JSON

SIGN_IN_PAGE = ("<!DOCTYPE html><html><head><title>Sign in | Slack</title></head>"
                "<body></body></html>")


class SlackServer(SlackWebApi):
    """The fake Slack served over HTTP and WebSocket on a free port of 127.0.0.1."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Arguments as for :class:`SlackWebApi` (tokens, workspace)."""
        super().__init__(*args, **kwargs)
        self.socket_mode = SocketModeHub()
        self.port = 0
        self.downloads: list[tuple[str, str | None]] = []  # (path, Authorization header)
        self._runner: web.AppRunner | None = None

    @property
    def api_url(self) -> str:
        """For ``AsyncWebClient(base_url=...)`` (slack_sdk appends the method)."""
        return f"http://127.0.0.1:{self.port}/api/"

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1 (only there)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        app.router.add_get("/files-pri/{team_file}/{name}", self._download)
        app.router.add_get("/link", self.socket_mode.handle)
        app.router.add_get("/link/", self.socket_mode.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.socket_url = f"ws://127.0.0.1:{self.port}/link/?ticket=local&app_id=A0PEERAPP"

    async def stop(self) -> None:
        """Close the sockets and the listening port."""
        await self.socket_mode.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _api(self, request: web.Request) -> web.Response:
        params = await _read_parameters(request)
        token = _bearer(request) or params.pop("token", None)
        params.pop("token", None)
        reply = self.call(request.match_info["method"], params, token)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)

    async def _upload(self, request: web.Request) -> web.Response:
        content = await request.read()
        if not self.upload(request.match_info["file_id"], content):
            return web.Response(status=404, text="file not found")
        return web.Response(text=f"OK - {len(content)}")

    async def _download(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization")
        self.downloads.append((request.path, header))
        team, _, file_id = request.match_info["team_file"].partition("-")
        stored = self.workspace.files.get(file_id)
        if header != f"Bearer {self.bot_token}" or team != self.workspace.team_id:
            return web.Response(text=SIGN_IN_PAGE, content_type="text/html")
        if stored is None or stored.name != request.match_info["name"]:
            return web.Response(status=404, text="file not found")
        return web.Response(body=stored.content, content_type=stored.mimetype)


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[len("Bearer "):] if header.startswith("Bearer ") else None


async def _read_parameters(request: web.Request) -> JSON:
    """Query-string, form-encoded and JSON parameters (form values stay strings, as Slack
    receives them; JSON-encoded ones such as ``blocks`` are decoded by the methods)."""
    params: JSON = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, str):
                params[name] = value
            elif isinstance(value, bytes | bytearray):
                params[name] = value.decode()
    return params

