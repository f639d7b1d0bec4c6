"""The door in front of bolt, in both modes: a payload the help desk handles is recorded,
acknowledged at once, and only then dispatched by bolt.

bolt's dispatch costs about a quarter of a millisecond per payload; when the ack waited for it,
a burst of a thousand events saw its last acks after the whole burst had been dispatched. Here
the ack means "in the journal", as before, and bolt dispatches the admitted payloads after, in
the order they came, to the same listeners (which find the parsed payload in bolt's context and
only queue it). While payloads still wait at the door, dispatching waits — at most
:data:`ACKS_FIRST_SECONDS`, then takes all that queued meanwhile — so under a burst the acks go
first and under steady load nothing starves.

Whatever bolt then does, nothing is lost: a payload no listener took (bolt's middleware dropped
it) is marked done, and one bolt failed on is handed to the retries. Over HTTP the door sees a
request only once its signature is checked (bot/slack/http_mode.py); anything else — a modal's
submission, whose ack carries the answer, events the bot only acknowledges, a request that
fails the check — goes through bolt as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack.inbound import Incoming
from storage.platform_updates import Recorded

log = logging.getLogger(__name__)

# While payloads wait at the door, bolt's dispatch of those admitted waits this long at most.
ACKS_FIRST_SECONDS = 0.25
# The key in bolt's request context of a payload the door admitted.
ADMITTED = "peerdesk_admitted"
# The envelopes whose payloads the door may take (events, slash commands, interactions).
DOOR_KINDS = frozenset({"events_api", "slash_commands", "interactive"})


class Admission(Enum):
    """What the door did with a payload."""

    ACKNOWLEDGE = "recorded (or a repeat): acknowledge it now"
    REFUSE = "not recorded: no ack, so Slack sends it again"
    TO_BOLT = "not the door's: bolt dispatches and acknowledges it"


class Door(Protocol):
    """What the Socket Mode handler and the HTTP endpoint need of the door."""

    def arriving(self) -> AbstractContextManager[None]:
        """Held while a request is being read and answered: bolt's dispatch of what was
        admitted waits for the acks of requests under way."""

    async def admit(self, kind: str, payload: dict[str, Any],
                    raw: str | None = None) -> Admission:
        """A payload's kind (as Socket Mode names it), the payload, and its JSON text as it
        came (when known) → what to do with it."""


class NoDoor:
    """A door that lets everything through to bolt."""

    def arriving(self) -> AbstractContextManager[None]:
        """Nothing to hold."""
        return contextlib.nullcontext()

    async def admit(self, kind: str, payload: dict[str, Any],
                    raw: str | None = None) -> Admission:
        """Everything is bolt's."""
        return Admission.TO_BOLT


@dataclass(slots=True)
class _Admitted:
    found: Incoming
    taken: bool = False


def admitted(context: Mapping[str, Any]) -> Incoming | None:
    """For a listener: the payload the door admitted, parsed (it is then the listener's), or
    None for a payload that did not come through the door."""
    found = context.get(ADMITTED)
    if not isinstance(found, _Admitted):
        return None
    found.taken = True
    return found.found


class FrontDoor:
    """Admits payloads ahead of ``bolt`` (see above)."""

    def __init__(self, bolt: AsyncApp, *, parse: Callable[[dict[str, Any]], Incoming | None],
                 record: Callable[[Incoming, Recorded], Awaitable[bool]],
                 done: Callable[[Incoming], Awaitable[None]],
                 failed: Callable[[Incoming], None]) -> None:
        self.bolt = bolt
        self.parse = parse
        self.record = record
        self.done = done
        self.failed = failed
        self._admitted: asyncio.Queue[tuple[dict[str, Any], Incoming]] = asyncio.Queue()
        self._at_the_door = 0
        self._quiet = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start dispatching what is admitted."""
        self._dispatcher = asyncio.create_task(self._dispatch_all(), name="slack-admitted")

    async def stop(self) -> None:
        """Stop dispatching; what was admitted and not dispatched stays in the journal."""
        dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is not None:
            dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dispatcher

    async def dispatched(self) -> None:
        """Wait until bolt has dispatched everything admitted so far (tests, benchmarks)."""
        await self._admitted.join()

    @contextlib.contextmanager
    def arriving(self) -> Iterator[None]:
        """Held while a request is read and answered (see :class:`Door`)."""
        self._at_the_door += 1
        try:
            yield
        finally:
            self._at_the_door -= 1
            if not self._at_the_door:
                self._quiet.set()

    async def admit(self, kind: str, payload: dict[str, Any],
                    raw: str | None = None) -> Admission:
        """One payload (``raw``: its JSON text as it came, kept as it is): recorded and to be
        acknowledged now (then dispatched), not recorded (no ack: Slack sends it again), or not
        the door's (bolt's, as usual)."""
        if kind not in DOOR_KINDS:
            return Admission.TO_BOLT
        found = self.parse(payload)
        if found is None:
            return Admission.TO_BOLT
        with self.arriving():
            try:
                fresh = await self.record(found, raw or payload)
            except Exception:
                log.exception("slack: %s could not be recorded; Slack will send it again",
                              found.key)
                return Admission.REFUSE
        if fresh:
            self._admitted.put_nowait((payload, found))  # before the ack: the order is kept
        else:
            log.info("slack: %s came again; ignored", found.key)
        return Admission.ACKNOWLEDGE

    async def _dispatch_all(self) -> None:
        while True:
            waiting = [await self._admitted.get()]
            if self._at_the_door:
                self._quiet.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._quiet.wait(), ACKS_FIRST_SECONDS)
            waiting += [self._admitted.get_nowait() for _ in range(self._admitted.qsize())]
            for payload, found in waiting:
                try:
                    await self._dispatch(payload, found)
                finally:
                    self._admitted.task_done()
                await asyncio.sleep(0)  # the door's acks between two dispatches

    async def _dispatch(self, payload: dict[str, Any], found: Incoming) -> None:
        """One admitted payload through bolt. bolt answers 500 rather than raise when its
        middleware or a listener fails: then, as when it raises, the payload is tried again
        later, unless a listener took it (the listener's own handling decides then); one no
        listener took and bolt answered otherwise (its middleware dropped it) is done."""
        admission = _Admitted(found)
        try:
            # As a Socket Mode payload: its signature, if it came over HTTP, was checked at
            # the door, and bolt must not check it again (its timestamp may be older now).
            answer = await self.bolt.async_dispatch(AsyncBoltRequest(
                mode="socket_mode", body=payload, context={ADMITTED: admission}))
            if admission.taken:
                return
            if answer.status >= 500:
                log.error("slack: bolt failed on %s (%d); it is tried again later", found.key,
                          answer.status)
                self.failed(found)
                return
            log.info("slack: no listener took %s; done with it", found.key)
            await self.done(found)
        except Exception:
            log.exception("slack: bolt could not dispatch %s; it is tried again later",
                          found.key)
            if not admission.taken:
                self.failed(found)
