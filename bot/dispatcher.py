"""The dispatcher: sends outbox rows through their platform and records what became of them.

Every message the bot sends goes through here, whatever use case queued it. Sends are paced
per platform (see :mod:`bot.pacing`): a chat that must wait never holds up the others, and each
chat gets its messages in outbox order. A channel reports a refusal by raising one of the
failure kinds below; a send that fails stays in the outbox to be retried (or is set aside); a
crash loses nothing, because a row is only marked sent after the platform accepted it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, runtime_checkable

from bot.dispatch_round import DispatchRound
from bot.pacing import DEFAULT_LIMITS, ChatKey, DeliveryLimits, Pacer, RealTimer, Timer
from handlers.ports import Clock
from storage.database import Database
from storage.delivery import Reachability
from storage.outbox import PER_CHAT, OutboxQueue, QueuedMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a message landed on its platform: the chat and the platform's message id."""

    chat_id: str
    message_id: str


class RetryLater(Exception):
    """The platform asked to wait before sending to this chat again (HTTP 429); only that
    chat waits, and the attempt does not count as a failure."""

    def __init__(self, retry_after_seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"retry after {retry_after_seconds} s")
        self.retry_after_seconds = max(float(retry_after_seconds), 0.0)


class Unreachable(Exception):
    """The recipient cannot be reached (blocked the bot, account deactivated: HTTP 403)."""


class PermanentFailure(Exception):
    """The platform refused this message (another 4xx); it becomes a dead letter after the
    platform's ``dead_letter_attempts``."""


class Channel(Protocol):
    """One platform's way of sending a rendered message."""

    async def send(self, message: QueuedMessage) -> Delivery:
        """Send one message; raise RetryLater, Unreachable, PermanentFailure, or any other
        exception to retry later with back-off (timeouts, 5xx)."""
        ...


@runtime_checkable
class KnowsGroups(Protocol):
    """A channel that can tell group chats (paced by the group rate) from private ones."""

    def is_group(self, chat_id: str) -> bool:
        """Whether this chat is a group."""
        ...


@dataclass(slots=True)
class _Outcome:
    """What one send came to, and when (by the pacing timer) it ended."""

    key: ChatKey
    message: QueuedMessage
    ended: float
    delivery: Delivery | None = None
    error: Exception | None = None
    waits: bool = False  # failed, and its chat waits for its retry (set when recorded)


class Dispatcher:
    """Drains the outbox through the channels of the platforms this process serves."""

    def __init__(self, database: Database, queue: OutboxQueue, channels: dict[str, Channel],
                 clock: Clock, limits: Mapping[str, DeliveryLimits] | None = None,
                 timer: Timer | None = None, longest_wait: float = 5.0) -> None:
        self.database = database
        self.queue = queue
        self.channels = channels
        self.clock = clock
        self.timer = timer or RealTimer()
        self.pacer = Pacer(DEFAULT_LIMITS if limits is None else limits)
        self.reachability = Reachability(queue.engine)
        self.longest_wait = longest_wait
        #: What the sends came to, by (platform, result), since start (read by the metrics).
        self.outcomes: Counter[tuple[str, str]] = Counter()
        self._groups: dict[str, Callable[[str], bool]] = {
            name: channel.is_group for name, channel in channels.items()
            if isinstance(channel, KnowsGroups)}

    def _is_group(self, message: QueuedMessage) -> bool:
        test = self._groups.get(message.platform)
        return test is not None and message.chat_id is not None and test(message.chat_id)

    async def drain(self, batch: int = 100, stop: asyncio.Event | None = None,
                    per_chat: int = PER_CHAT, woken: asyncio.Event | None = None) -> int:
        """Send everything waiting now, at each platform's pace; returns how many were sent.

        Messages are fetched ``batch`` at a time for each platform (again when half of that
        platform's are left, or when one of its chats fetched in full runs dry), at most
        ``per_chat`` to one chat, so one chat's backlog does not hold up the others' first
        messages, and a platform slowed by its limits (Telegram during a broadcast) does not
        hold up the others. ``woken``, raised while the drain goes on (something new was
        queued), makes it fetch again as soon as there is room, and cuts short a wait for the
        next chat that may be sent to. A message that fails waits for its back-off before it
        is tried again, and the later ones to its chat wait with it; the other chats go on.
        The drain ends when nothing is left that may go within ``longest_wait`` seconds; the
        rest waits for the next one. Once ``stop`` is set, no new send starts; those under
        way end and are recorded.
        """
        tasks: set[asyncio.Task[_Outcome]] = set()
        try:
            return await self._drain(batch, per_chat, stop, woken, tasks)
        except BaseException:
            # Sends under way would otherwise go unrecorded and be sent again: let them end
            # and record them if the database allows.
            if tasks:
                await asyncio.wait(tasks)
                outcomes = [t.result() for t in tasks if not t.cancelled()
                            and t.exception() is None]
                with contextlib.suppress(Exception):
                    await self.database.run(partial(self._record, outcomes))
            raise
        finally:
            # What was fetched and not sent goes back, so that another process sending from
            # the same database need not wait for the claims to run out.
            with contextlib.suppress(Exception):
                await self.database.run(self.queue.release)

    async def _drain(self, batch: int, per_chat: int, stop: asyncio.Event | None,
                     woken: asyncio.Event | None, tasks: set[asyncio.Task[_Outcome]]) -> int:
        await self.database.run(self.reachability.set_aside_unreachable)
        round_ = DispatchRound(self.pacer, self._is_group, per_chat)
        more = set(self.channels)  # platforms that may have more waiting than fetched
        urgent = set(self.channels)  # platforms to look at for what is not a broadcast's copy
        sent = 0
        while True:
            stopping = stop is not None and stop.is_set()
            if stopping and not tasks:
                break
            if woken is not None and woken.is_set():
                woken.clear()
                more.update(self.channels)
                urgent.update(self.channels)
            if not stopping:
                await self._fetch(round_, more, urgent, batch, per_chat)
            if round_.held and self.queue.renewal_due(self.clock.now()):
                await self.database.run(partial(self.queue.renew, list(round_.held),
                                                self.clock.now()))
            now = self.timer.monotonic()
            for key, message in ([] if stopping else round_.start(now)):
                tasks.add(asyncio.create_task(self._attempt(key, message)))
            if tasks:
                await asyncio.sleep(0)  # let the sends begin (and quick ones end) first
            done = {task for task in tasks if task.done()}
            if not done:
                at = round_.earliest()
                if not tasks and (at is None or at - now > self.longest_wait):
                    if at is None and self._fetchable(round_, more, batch) and not stopping:
                        continue
                    break
                if at is not None and round_.held:  # wake up to renew the claims meanwhile
                    at = min(at, now + self.queue.lease.total_seconds() / 3)
                done = await self._wait(tasks, at, now, woken)
            sent += await self._settle(round_, [task.result() for task in done])
            tasks -= done  # only once recorded (see drain)
        self.pacer.forget_before(self.timer.monotonic())
        return sent

    def _fetchable(self, round_: DispatchRound, more: set[str], batch: int) -> list[str]:
        """The platforms to fetch for now: that may have more, with room for it."""
        return [platform for platform in self.channels
                if (platform in more or platform in round_.refill)
                and round_.queued[platform] <= batch // 2]

    async def _fetch(self, round_: DispatchRound, more: set[str], urgent: set[str],
                     batch: int, per_chat: int) -> None:
        """Fetch each platform's next messages where there is room for them; and where a
        backlog is left behind what is in hand (a broadcast), what is not a broadcast's copy,
        to go first."""
        for platform in self.channels:
            if platform in self._fetchable(round_, more, batch):
                round_.refill.discard(platform)
                if len(await self._take(round_, platform, batch, per_chat)) < batch:
                    more.discard(platform)
            if platform in urgent and platform in more:
                await self._take(round_, platform, batch, per_chat, urgent_only=True)
        urgent.clear()

    async def _take(self, round_: DispatchRound, platform: str, batch: int, per_chat: int,
                    urgent_only: bool = False) -> list[QueuedMessage]:
        """Claim a platform's next messages and queue them in the round."""
        fetched = await self.database.run(partial(
            self.queue.waiting, [platform], self.clock.now(), batch, per_chat,
            list(round_.held), urgent_only))
        for message in fetched:
            round_.add(message)
        return fetched

    async def _wait(self, tasks: set[asyncio.Task[_Outcome]], at: float | None,
                    now: float, woken: asyncio.Event | None) -> set[asyncio.Task[_Outcome]]:
        """Wait until a send ends, the next chat may be sent to, or (``woken``) something new
        was queued; the sends that ended."""
        if not tasks and (at is None or at <= now):
            return set()
        extra: list[asyncio.Future[Any]] = []
        if woken is not None:
            extra.append(asyncio.ensure_future(woken.wait()))
        if at is not None and now < at <= now + self.longest_wait:
            extra.append(asyncio.ensure_future(self.timer.sleep(at - now)))
        try:
            if tasks or extra:
                await asyncio.wait([*tasks, *extra], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in extra:
                if not waiting.done():
                    waiting.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await waiting
        return {task for task in tasks if task.done()}

    async def _attempt(self, key: ChatKey, message: QueuedMessage) -> _Outcome:
        try:
            delivery = await self.channels[message.platform].send(message)
        except Exception as exc:  # what it means is decided in _settle
            return _Outcome(key, message, self.timer.monotonic(), error=exc)
        return _Outcome(key, message, self.timer.monotonic(), delivery=delivery)

    async def _settle(self, round_: DispatchRound, outcomes: Sequence[_Outcome]) -> int:
        """Record what the finished sends came to (in one database call) and free their
        chats; returns how many were sent."""
        if not outcomes:
            return 0
        await self.database.run(partial(self._record, outcomes))
        for outcome in outcomes:
            error = outcome.error
            if isinstance(error, RetryLater):
                self.pacer.hold(outcome.key, outcome.ended + error.retry_after_seconds)
                round_.finish(outcome.key, outcome.message, again=True)
                continue
            if isinstance(error, Unreachable):
                round_.drop(outcome.message.identity)
            round_.finish(outcome.key, outcome.message, waits=outcome.waits)
        return sum(outcome.delivery is not None for outcome in outcomes)

    def _record(self, outcomes: Sequence[_Outcome]) -> None:
        """Store the outcomes of finished sends (runs in a database thread)."""
        now = self.clock.now()
        self.queue.mark_sent_many([(o.message.id, o.delivery.chat_id, o.delivery.message_id)
                                   for o in outcomes if o.delivery is not None], now)
        for outcome in outcomes:
            message, error = outcome.message, outcome.error
            if error is None:
                self.outcomes[message.platform, "sent"] += 1
                continue
            if isinstance(error, RetryLater):
                result = "retry_later"
                log.info("outbox %s to %s: platform asks to wait %.1f s", message.id,
                         message.identity, error.retry_after_seconds)
            elif isinstance(error, Unreachable):
                result = "unreachable"
                log.warning("outbox %s: %s is unreachable: %s", message.id, message.identity,
                            error)
                self.reachability.mark_unreachable(message.identity, message.member_id,
                                                   str(error) or "unreachable", now)
            elif isinstance(error, PermanentFailure):
                limit = self.pacer.limits_for(message.platform).dead_letter_attempts
                dead = self.queue.mark_failed(message.id, str(error), True, now, limit)
                outcome.waits = not dead
                result = "dead_letter" if dead else "refused"
                log.warning("outbox %s to %s refused%s: %s", message.id, message.identity,
                            " for good (dead letter)" if dead else "", error)
            else:
                log.warning("outbox %s to %s failed, will retry: %r", message.id,
                            message.identity, error)
                outcome.waits = not self.queue.mark_failed(message.id, repr(error), False, now)
                result = "failed" if outcome.waits else "dead_letter"
            self.outcomes[message.platform, result] += 1
