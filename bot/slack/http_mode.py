"""Slack's HTTP mode: the Events API, interactivity and slash commands posted to one path of an
aiohttp server.

A request whose ``X-Slack-Signature`` over the exact body, with a timestamp at most five
minutes old, checks out with the signing secret meets the door first (bot/slack/door.py): a
payload the help desk handles is recorded and answered 200 at once, and dispatched by bolt
after. Everything else — a request that fails the check included, which bolt then refuses with
401 — goes to bolt, which checks it itself and answers.
"""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.slack.door import Admission, Door, NoDoor

# Slack's payloads are small; a larger body is refused before it is read.
LARGEST_BODY = 1024 * 1024
# The kinds of payload as Socket Mode names them, by what an HTTP request's payload is.
INTERACTIVE = frozenset({"block_actions", "view_submission", "view_closed", "shortcut",
                         "message_action", "block_suggestion"})


class SlackHttpServer:
    """Serves ``path`` on ``listen``:``port`` (port 0: a free one, see :attr:`port`)."""

    def __init__(self, bolt: AsyncApp, listen: str, port: int, path: str, *,
                 signing_secret: str = "", door: Door | None = None) -> None:
        self.bolt = bolt
        self.listen = listen
        self.port = port
        self.path = path
        self.door = door or NoDoor()
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
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

    async def answer(self, request: AsyncBoltRequest) -> BoltResponse:
        """Slack's request answered: by the door when it takes the payload, else by bolt."""
        kind = self._door_kind(request)
        if kind is not None:
            raw = request.raw_body if request.raw_body.startswith("{") else None
            admission = await self.door.admit(kind, request.body, raw)
            if admission is Admission.ACKNOWLEDGE:
                return BoltResponse(status=200, body="")
            if admission is Admission.REFUSE:  # not recorded: Slack sends it again
                return BoltResponse(status=500, body="")
        return await self.bolt.async_dispatch(request)

    async def _post(self, request: web.Request) -> web.Response:
        with self.door.arriving():
            answer = await self.answer(await to_bolt_request(request))
        return await to_aiohttp_response(answer)

    def _door_kind(self, request: AsyncBoltRequest) -> str | None:
        """The payload's kind, for a signed request whose payload the door may take."""
        if self._verifier is None or not self._verifier.is_valid(
                body=request.raw_body,
                timestamp=_header(request, "x-slack-request-timestamp"),
                signature=_header(request, "x-slack-signature")):
            return None
        payload = request.body
        if payload.get("type") == "event_callback":
            return "events_api"
        if "command" in payload:
            return "slash_commands"
        if payload.get("type") in INTERACTIVE:
            return "interactive"
        return None


def _header(request: AsyncBoltRequest, name: str) -> str:
    values = request.headers.get(name) or [""]
    return str(values[0])
