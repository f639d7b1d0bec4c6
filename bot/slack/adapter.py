"""The Slack adapter: slack-bolt's AsyncApp receiving events, slash commands, button presses and
modal submissions — over Socket Mode (the default) or HTTP (signed requests) — each handed to
the help desk as one inbound message.

Nothing lost, nothing twice. A payload is recorded in the update journal (by its
:func:`~bot.slack.inbound.delivery_key`) before it is acknowledged, and acknowledged as soon as
it is recorded — well inside Slack's 3 s — then queued for the one task that hands payloads to
the help desk, in order. Slack retries an event it saw no ack for, with the same ``event_id``
(``X-Slack-Retry-Num`` over HTTP, ``retry_attempt`` over Socket Mode): the journal knows it, so
it is acknowledged and ignored. A payload is marked handled in the same transaction as its
handling; one recorded but not handled when the process stopped is handled at the next start.
If the journal cannot record a payload, it is not acknowledged, so Slack tries it again.

The pieces of Slack's own interface — the App Home tab and the modals of the guided commands —
are given as :class:`Surfaces`; the adapter calls them at the right moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App
from bot.group_record import GroupRecorder
from bot.retry_later import DELAYS, RetryLater
from bot.slack.connection import SocketModeLink, SocketModeRefused
from bot.slack.door import FrontDoor, admitted
from bot.slack.files import SlackFiles
from bot.slack.http_mode import SlackHttpServer
from bot.slack.inbound import BotIdentity, Incoming, identity, incoming
from bot.slack.prepare import Preparation
from bot.slack.surfaces import Surfaces, answer_submission, form_trigger, open_form_instead
from bot.slack.users import SlackProfiles
from bot.slack_settings import SlackSettings
from handlers.messages import Inbound
from handlers.ports import Clock
from storage.platform_updates import Recorded, UpdateJournal

log = logging.getLogger(__name__)

# At most this many queued payloads are handed to the help desk together (one transaction,
# each payload atomic within it).
HANDLED_TOGETHER = 64
# Groups under way at once: one handled while the next one is prepared (and, with the help desk
# in its own process, handed to it).
GROUPS_AHEAD = 2


class NotRecorded(Exception):
    """A payload could not be recorded: it is not acknowledged, so Slack sends it again."""


class SlackUnavailable(Exception):
    """Slack cannot be reached with the configured tokens (the message says what to do)."""


class KnownBot(AsyncAuthorize):
    """bolt's authorization of every request: the bot's token and identity from the auth.test
    of start (a request before then is refused, and Slack sends it again). An AsyncAuthorize of
    its own, not a plain function: bolt would inspect a function's arguments on every call."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.result: AuthorizeResult | None = None

    async def __call__(self, **_request: Any) -> AuthorizeResult:
        if self.result is None:
            raise SlackUnavailable("not started yet")
        return self.result


class SlackAdapter:
    """Feeds one Slack workspace to the help desk until stopped."""

    def __init__(self, app: App, settings: SlackSettings, client: AsyncWebClient, *,
                 journal: UpdateJournal, files: SlackFiles, profiles: SlackProfiles,
                 clock: Clock, app_token: str = "", signing_secret: str = "",
                 surfaces: Surfaces | None = None, health_seconds: float = 30.0,
                 retry_delays: Sequence[float] = DELAYS) -> None:
        self.app = app
        self.settings = settings
        self.client = client
        self.journal = journal
        self.files = files
        self.profiles = profiles
        self.preparation = Preparation(client, profiles, files)
        self.clock = clock
        self.surfaces = surfaces or Surfaces()
        self.identity = BotIdentity("")
        self.team_id = ""
        self.authorization = KnownBot()
        self.recorder = GroupRecorder(app.database, journal, clock.now)
        # bolt's client carries no token: each request's comes from authorize (below).
        untokened = AsyncWebClient(base_url=client.base_url, session=client.session,
                                   logger=client.logger)
        self.bolt = AsyncApp(client=untokened, signing_secret=signing_secret, name="peerdesk",
                             # Listeners only record and queue (the handling comes after),
                             # so bolt may wait for them: Slack's ack then means "recorded".
                             process_before_response=True,
                             request_verification_enabled=settings.mode == "http",
                             raise_error_for_unhandled_request=False,
                             # Who the bot is comes from the auth.test of start(): bolt's own
                             # would call auth.test once per request until its first answer
                             # came, a thousand times in a burst arriving at start.
                             authorize=self.authorization,
                             # bolt's middleware for what peerdesk does not use (custom
                             # workflow functions, AI assistant threads) is skipped: it costs
                             # every request (bolt takes a DM about 10 % faster without it).
                             attaching_function_token_enabled=False,
                             attaching_conversation_kwargs_enabled=False,
                             logger=logging.getLogger("peerdesk.slack.bolt"))
        self._listen(self.bolt)
        self.link: SocketModeLink | None = None
        self.server: SlackHttpServer | None = None
        # What the help desk handles is recorded and acknowledged before bolt dispatches it
        # (bot/slack/door.py).
        self.door = FrontDoor(self.bolt, parse=self._parse, record=self._record,
                               done=self._done, failed=self._failed)
        if settings.mode == "socket":
            self.link = SocketModeLink(self.bolt, app_token, client, health_seconds,
                                       door=self.door)
        else:
            self.server = SlackHttpServer(self.bolt, settings.http_listen, settings.http_port,
                                          settings.http_path, signing_secret=signing_secret,
                                          door=self.door)
        self._queue: asyncio.Queue[Incoming] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.retry = RetryLater[Incoming](self._queue.put_nowait, retry_delays, "slack:")
        self._stopping = False
        # The groups being handed to the help desk (the next is prepared meanwhile).
        self._handling: set[asyncio.Task[None]] = set()

    def _listen(self, bolt: AsyncApp) -> None:
        """Everything Slack sends is acknowledged; the first listener that matches takes it."""
        bolt.event("message")(self._on_payload)
        bolt.event("app_mention")(self._on_payload)
        bolt.event("app_home_opened")(self._on_home_opened)
        bolt.event("user_change")(self._on_user_change)
        # The bot removed from a channel, the channel archived or renamed (a linked team channel).
        bolt.event(re.compile(r"^(channel|group)_(left|archive|rename)$"))(self._on_payload)
        bolt.event(re.compile(".*"))(self._on_ignored)
        bolt.command(self.settings.command)(self._on_payload)
        bolt.action(re.compile(".*"))(self._on_payload)
        bolt.view_submission(re.compile(".*"))(self._on_submission)
        bolt.view_closed(re.compile(".*"))(self._on_ignored)
        bolt.options(re.compile(".*"))(self._on_ignored)

    async def start(self) -> None:
        """Say who the bot is, queue what a previous run left unfinished, and start receiving
        (the Socket Mode connection, or the HTTP server)."""
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            raise SlackUnavailable(
                f"Slack refused the bot token ({exc.response.get('error')}); check "
                f"${self.settings.bot_token_env}") from exc
        except OSError as exc:
            raise SlackUnavailable(f"cannot reach Slack at {self.settings.base_url} ({exc}); "
                                   "check [slack] base_url and the network") from exc
        self.team_id = str(auth.get("team_id") or "")
        self.authorization.result = AuthorizeResult.from_auth_test_response(
            auth_test_response=auth, bot_token=self.client.token)
        self.identity = BotIdentity(str(auth.get("user_id") or ""), str(auth.get("bot_id") or ""),
                                    self.team_id)
        for payload in await self.app.database.run(self.journal.unfinished):
            found = incoming(payload, self.identity, self.settings.command)
            if found is None or found.inbound.receipt is None:
                continue
            log.info("slack: %s was left unfinished; handling it", found.key)
            self._queue.put_nowait(found)
        self._worker = asyncio.create_task(self._work(), name="slack-payloads")
        self.door.start()
        if self.link is not None:
            try:
                await self.link.start()
            except SocketModeRefused as exc:
                raise SlackUnavailable(
                    f"{exc}; check ${self.settings.app_token_env}: an app-level token (xapp-…) "
                    "with connections:write, and Socket Mode turned on for the app") from exc
        elif self.server is not None:
            try:
                await self.server.start()
            except OSError as exc:
                raise SlackUnavailable(
                    f"cannot listen on {self.settings.local_address} for Slack "
                    f"({exc.strerror or exc}); set [slack] http_listen and http_port") from exc

    @property
    def healthy(self) -> bool:
        """Whether Slack can reach this process now (the Socket Mode connection is up, or the
        HTTP server listens)."""
        if self.link is not None:
            return self.link.connected
        return self.server is not None and self.server.listening

    async def stop(self) -> None:
        """Stop receiving. The payload being handled is finished; the others recorded stay in
        the journal, to be handled at the next start."""
        self._stopping = True
        if self.link is not None:
            await self.link.stop()
        if self.server is not None:
            await self.server.stop()
        for task in list(self._tasks):
            task.cancel()
        self.retry.stop()  # what waits stays in the journal: handled at the next start
        await self.door.stop()  # what the door admitted stays in the journal too
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()  # it waits for payloads or for a group: the groups run apart
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        if self._handling:
            await asyncio.wait(self._handling)

    async def queued(self) -> None:
        """Wait until every payload accepted so far has been handled (tests, benchmarks)."""
        await self.door.dispatched()
        await self._queue.join()

    # Listeners: bolt passes the arguments by name.

    async def _on_payload(self, ack: AsyncAck, body: dict[str, Any],
                          context: AsyncBoltContext, request: AsyncBoltRequest) -> None:
        found = admitted(context)
        if found is not None:  # recorded and acknowledged at the door
            await ack()
            self._take(body, found)
            return
        # An Events API request's body is the payload's JSON: recorded as it came.
        raw = request.raw_body if request.raw_body.startswith("{") else None
        await self.accept(body, ack, raw)
        if ack.response is None:  # bolt then answers 500, or no ack: Slack sends it again
            raise NotRecorded("the journal could not record this payload")

    async def _on_ignored(self, ack: AsyncAck) -> None:
        await ack()

    async def _on_user_change(self, ack: AsyncAck, event: dict[str, Any]) -> None:
        await ack()
        user = event.get("user")
        if isinstance(user, Mapping) and isinstance(user.get("id"), str):
            self.profiles.forget(user["id"])

    async def _on_home_opened(self, ack: AsyncAck, body: dict[str, Any],
                              event: dict[str, Any]) -> None:
        await ack()
        home = self.surfaces.home
        user = event.get("user")
        if home is None or event.get("tab") != "home" or not isinstance(user, str):
            return
        self._background(home(identity(self.team_id or str(body.get("team_id")), user), user),
                         "publishing the App Home")

    async def _on_submission(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """A modal submitted (see :func:`~bot.slack.surfaces.answer_submission`)."""
        user = body.get("user")
        view = body.get("view")
        if not isinstance(user, Mapping) or not isinstance(view, Mapping):
            await ack()
            return
        person = identity(self.team_id or str(user.get("team_id")), str(user.get("id")))
        await answer_submission(self.surfaces, ack, person, view, self._background)

    async def accept(self, body: dict[str, Any], ack: AsyncAck | None = None,
                     raw: str | None = None) -> bool:
        """Record one payload (``raw``: its JSON text as received, if known) and queue it for
        handling; True when it was new. It is acknowledged once recorded (a repeat at once);
        when recording fails, it is not."""
        found = incoming(body, self.identity, self.settings.command)
        if found is None or found.inbound.receipt is None:
            if ack is not None:
                await ack()
            return False
        try:
            fresh = await self.recorder.record(found.inbound.receipt, raw or body)
        except Exception:
            log.exception("slack: %s could not be recorded; Slack will send it again",
                          found.key)
            return False
        if ack is not None:
            await ack()
        if not fresh:
            log.info("slack: %s came again; ignored", found.key)
            return False
        self._take(body, found)
        return True

    def _take(self, body: Mapping[str, Any], found: Incoming) -> None:
        """A recorded payload on its way: its modal opened, or queued for the help desk."""
        trigger = form_trigger(self.surfaces, body, found)
        if trigger is not None:
            self._background(self._form_or_queue(found, trigger), "opening a modal")
        else:
            self._queue.put_nowait(found)

    # What the Socket Mode door needs.

    def _parse(self, payload: dict[str, Any]) -> Incoming | None:
        found = incoming(payload, self.identity, self.settings.command)
        return None if found is None or found.inbound.receipt is None else found

    async def _record(self, found: Incoming, payload: Recorded) -> bool:
        receipt = found.inbound.receipt
        assert receipt is not None
        return await self.recorder.record(receipt, payload)

    async def _done(self, found: Incoming) -> None:
        receipt, now = found.inbound.receipt, self.clock.now()
        assert receipt is not None
        await self.app.database.run(lambda: self.journal.finish(receipt, now))

    def _failed(self, found: Incoming) -> None:
        self.retry.failed(found.key, found)

    def _unreadable(self, found: Incoming, exc: Exception) -> None:
        log.error("slack: %s could not be read", found.key, exc_info=exc)
        self.retry.failed(found.key, found)

    async def _form_or_queue(self, found: Incoming, trigger: str) -> None:
        """A guided command typed alone: its modal instead of its first question (the command
        is then done: the modal's submission does the rest); else it goes to the help desk."""
        if await open_form_instead(self.surfaces, found, trigger):
            await self._done(found)
        else:
            self._queue.put_nowait(found)

    def _background(self, work: Awaitable[Any], what: str) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("slack: %s failed", what)

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _work(self) -> None:
        """Hand the queued payloads to the help desk, those waiting together, until stopped
        (after the ones under way)."""
        while not self._stopping:
            batch = [await self._queue.get()]
            while len(batch) < HANDLED_TOGETHER and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            if self._stopping:  # recorded, handled at the next start
                return
            try:
                ready = await self.preparation.ready_all(batch, self._unreadable)
            except BaseException:
                for _found in batch:
                    self._queue.task_done()
                raise
            # Handed over now, in order; while the help desk handles the group, the next one
            # is prepared (and, with the help desk in its own process, handed to it).
            handing = self.app.hand_over([inbound for _found, inbound in ready])
            settling = asyncio.create_task(self._settle(batch, ready, handing))
            self._handling.add(settling)
            settling.add_done_callback(self._handling.discard)
            if len(self._handling) >= GROUPS_AHEAD:
                await asyncio.wait(self._handling, return_when=asyncio.FIRST_COMPLETED)

    async def _settle(self, batch: Sequence[Incoming], ready: Sequence[tuple[Incoming, Inbound]],
                      handling: Awaitable[list[BaseException | None]]) -> None:
        """Once the help desk is done with a group: each payload that failed is logged and
        tried again later."""
        try:
            outcomes = await handling
            for (found, _inbound), outcome in zip(ready, outcomes, strict=True):
                if isinstance(outcome, Exception):
                    log.error("slack: %s could not be handled", found.key, exc_info=outcome)
                    self.retry.failed(found.key, found)
                elif isinstance(outcome, BaseException):
                    raise outcome
                else:
                    self.retry.succeeded(found.key)
        finally:
            for _found in batch:
                self._queue.task_done()
