"""The dispatcher: sends outbox rows through their platform and records what became of them.

Every message the bot sends goes through here, whatever use case queued it. A send that fails
stays in the outbox to be retried (or is set aside after too many attempts); a crash loses
nothing, because a row is only marked sent after the platform accepted it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from handlers.ports import Clock
from storage.database import Database
from storage.outbox import OutboxQueue, QueuedMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a message landed on its platform: the chat and the platform's message id."""

    chat_id: str
    message_id: str


class PermanentFailure(Exception):
    """The platform refused a message for good (blocked bot, unknown chat); do not retry."""


class Channel(Protocol):
    """One platform's way of sending a rendered message."""

    async def send(self, message: QueuedMessage) -> Delivery:
        """Send one message; raise PermanentFailure, or any other exception to retry later."""
        ...


class Dispatcher:
    """Drains the outbox through the channels of the platforms this process serves."""

    def __init__(self, database: Database, queue: OutboxQueue, channels: dict[str, Channel],
                 clock: Clock) -> None:
        self.database = database
        self.queue = queue
        self.channels = channels
        self.clock = clock

    async def drain(self, batch: int = 100) -> int:
        """Send everything waiting now; returns how many messages were sent.

        A message that fails is not retried within the same drain, so one bad row never holds
        up the others.
        """
        sent = 0
        tried: set[int] = set()
        platforms = list(self.channels)
        while True:
            waiting = await self.database.run(
                partial(self.queue.waiting, platforms, self.clock.now(), batch))
            fresh = [m for m in waiting if m.id not in tried]
            if not fresh:
                return sent
            for message in fresh:
                tried.add(message.id)
                if await self._send(message):
                    sent += 1

    async def _send(self, message: QueuedMessage) -> bool:
        channel = self.channels[message.platform]
        try:
            delivery = await channel.send(message)
        except PermanentFailure as exc:
            log.warning("outbox %s to %s refused: %s", message.id, message.identity, exc)
            reason = str(exc)
            now = self.clock.now()
            await self.database.run(lambda: self.queue.mark_failed(message.id, reason, True, now))
            return False
        except Exception as exc:
            log.warning("outbox %s to %s failed, will retry: %r", message.id, message.identity,
                        exc)
            reason = repr(exc)
            now = self.clock.now()
            await self.database.run(
                lambda: self.queue.mark_failed(message.id, reason, False, now))
            return False
        now = self.clock.now()
        await self.database.run(lambda: self.queue.mark_sent(
            message.id, delivery.chat_id, delivery.message_id, now))
        return True

    async def run(self, stop: asyncio.Event, interval: float = 0.5) -> None:
        """Keep draining until ``stop`` is set."""
        while not stop.is_set():
            try:
                await self.drain()
            except Exception:
                log.exception("dispatcher round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
