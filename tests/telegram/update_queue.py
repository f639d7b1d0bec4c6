"""Telegram's side of long polling: the queue of updates that getUpdates hands out.

Updates wait until a getUpdates ``offset`` above their ``update_id`` confirms them (the bot may
see one several times until then); a call with ``timeout`` waits for the first new update or
for the timeout; a newer getUpdates terminates an older waiting one with 409 Conflict, which is
how a second poller on the same token shows itself. Duplicates (an update delivered again after
it was confirmed) are injected on purpose, because real deliveries can repeat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.telegram.errors import ApiError
from tests.telegram.updates import JSON

# Update kinds Telegram sends only when asked for them in allowed_updates.
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue:
    """Pending updates, forced redeliveries, and the getUpdates call waiting for them."""

    def __init__(self, on_change: Callable[[], None] = lambda: None) -> None:
        """``on_change`` is called whenever an update is queued (to wake test waiters)."""
        self.allowed_updates: list[str] | None = None
        self._queue: list[JSON] = []
        self._again: list[JSON] = []
        self._twice: set[int] = set()
        self._wakeup: asyncio.Future[None] | None = None
        self._poller: asyncio.Future[None] | None = None
        self._closed = False
        self._on_change = on_change

    @property
    def pending(self) -> int:
        """Updates queued and not yet confirmed by an offset."""
        return len(self._queue)

    def push(self, update: JSON, *, duplicate: bool = False) -> None:
        """Queue ``update``; with ``duplicate`` it comes again in the next response too."""
        self._queue.append(update)
        self._queue.sort(key=lambda queued: int(queued["update_id"]))
        if duplicate:
            self._twice.add(int(update["update_id"]))
        self._wake()

    def redeliver(self, update: JSON) -> None:
        """Hand ``update`` out once more in the next response, whatever the offset says."""
        self._again.append(update)
        self._wake()

    def drop_pending(self) -> None:
        """Forget every queued update (deleteWebhook with drop_pending_updates)."""
        self._queue.clear()

    def close(self) -> None:
        """Answer every waiting getUpdates now (with what there is)."""
        self._closed = True
        self._wake()

    async def get(self, offset: int, limit: int, wait: float,
                  allowed_updates: list[str] | None) -> list[JSON]:
        """What getUpdates answers: confirm below ``offset`` (a negative one keeps only the
        last ``-offset``), then up to ``limit`` updates, waiting up to ``wait`` seconds."""
        if self._poller is not None and not self._poller.done():
            self._poller.set_result(None)  # the older poll is terminated by this one
        loop = asyncio.get_running_loop()
        poller: asyncio.Future[None] = loop.create_future()
        self._poller = poller
        if allowed_updates is not None:  # remembered until changed, as Telegram does
            self.allowed_updates = list(allowed_updates)
        limit = min(max(limit, 1), 100)
        deadline = loop.time() + wait
        while True:
            if offset > 0:
                self._queue = [u for u in self._queue if int(u["update_id"]) >= offset]
            elif offset < 0:
                self._queue = self._queue[offset:]
            self._queue = [u for u in self._queue if self._allowed(u)]
            ready = (self._again + self._queue[:limit])[:limit]
            if ready or self._closed or loop.time() >= deadline:
                self._again = self._again[len(ready):]
                for update in ready:
                    if int(update["update_id"]) in self._twice:
                        self._twice.discard(int(update["update_id"]))
                        self._again.append(update)
                if self._poller is poller:
                    self._poller = None
                return ready
            if self._wakeup is None:
                self._wakeup = loop.create_future()
            await asyncio.wait({self._wakeup, poller}, timeout=deadline - loop.time(),
                               return_when=asyncio.FIRST_COMPLETED)
            if poller.done():
                raise ApiError(409)

    def _allowed(self, update: JSON) -> bool:
        """Whether ``allowed_updates`` lets this kind of update through (by default all but
        chat_member, message_reaction and message_reaction_count, as Telegram)."""
        kind = next(key for key in update if key != "update_id")
        if not self.allowed_updates:
            return kind not in DEFAULT_EXCLUDED
        return kind in self.allowed_updates

    def _wake(self) -> None:
        self._on_change()
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)
        self._wakeup = None
