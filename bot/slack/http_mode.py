"""Slack's HTTP mode: the Events API, interactivity and slash commands posted to one path of an
aiohttp server, each request checked by bolt (its ``X-Slack-Signature`` over the exact body and
a timestamp at most five minutes old) before it is dispatched to the app."""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

# Slack's payloads are small; a larger body is refused before it is read.
LARGEST_BODY = 1024 * 1024


class SlackHttpServer:
    """Serves ``path`` on ``listen``:``port`` (port 0: a free one, see :attr:`port`)."""

    def __init__(self, bolt: AsyncApp, listen: str, port: int, path: str) -> None:
        self.bolt = bolt
        self.listen = listen
        self.port = port
        self.path = path
        self._runner: web.AppRunner | None = None

    @property
    def listening(self) -> bool:
        """Whether the server is up."""
        return self._runner is not None

    async def start(self) -> None:
        """Listen (raises OSError when the address is taken or not ours)."""
        app = web.Application(client_max_size=LARGEST_BODY)
        app.router.add_post(self.path, self._post)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, self.listen, self.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        if self.port == 0:
            self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Finish the requests under way (they are being recorded), then close."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _post(self, request: web.Request) -> web.Response:
        answer = await self.bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(answer)
