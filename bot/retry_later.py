"""Trying an inbound update again a little later when its handling failed (the database
briefly unavailable), instead of leaving it in the update journal until the next start: the
platform's own retries of it are ignored as repeats, since it is recorded."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")
# After a failure, the next tries come this many seconds later; after the last, the update
# waits in the journal for the next start.
DELAYS = (5.0, 30.0, 120.0, 600.0)


class RetryLater(Generic[Item]):
    """Hands failed items back to ``requeue`` after growing delays, a few times at most."""

    def __init__(self, requeue: Callable[[Item], None], delays: Sequence[float] = DELAYS,
                 what: str = "update") -> None:
        self.requeue = requeue
        self.delays = tuple(delays)
        self.what = what
        self._attempts: dict[Hashable, int] = {}
        self._waiting: set[asyncio.TimerHandle] = set()
        self._stopped = False

    def failed(self, key: Hashable, item: Item) -> None:
        """``item`` (known by ``key``) could not be handled: try it again later, or give up."""
        attempt = self._attempts.get(key, 0)
        if attempt >= len(self.delays) or self._stopped:
            self._attempts.pop(key, None)
            log.error("%s %s is left for the next start", self.what, key)
            return
        self._attempts[key] = attempt + 1
        log.info("%s %s is tried again in %.0f s", self.what, key, self.delays[attempt])

        def again() -> None:
            self._waiting.discard(handle)
            if not self._stopped:
                self.requeue(item)

        handle = asyncio.get_running_loop().call_later(self.delays[attempt], again)
        self._waiting.add(handle)

    def succeeded(self, key: Hashable) -> None:
        """``key`` was handled: forget its failures."""
        self._attempts.pop(key, None)

    def stop(self) -> None:
        """Try nothing more (what waits stays in the journal, for the next start)."""
        self._stopped = True
        for handle in list(self._waiting):
            handle.cancel()
        self._waiting.clear()
