"""Recording deliveries in the update journal together: many requests, one commit.

Slack sends each event in its own request (or Socket Mode envelope) and wants each acknowledged
within 3 s; each must be in the journal before it is acknowledged. Recording them one
transaction each would make a burst wait on a queue of commits. Here the deliveries that
arrive while a commit is under way wait for the next one, which records them all: under load a
commit serves dozens of deliveries, and alone a delivery is recorded at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from storage.database import Database
from storage.platform_updates import Recorded, UpdateJournal

# At most this many deliveries in one commit.
LARGEST_GROUP = 256


@dataclass(slots=True)
class _Waiting:
    number: int
    payload: Recorded
    fresh: asyncio.Future[bool] = field(default_factory=lambda: asyncio.get_running_loop()
                                        .create_future())


class GroupRecorder:
    """Records deliveries in ``journal``, those arriving together in one commit."""

    def __init__(self, database: Database, journal: UpdateJournal,
                 now: Callable[[], datetime]) -> None:
        self.database = database
        self.journal = journal
        self.now = now
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, number: int, payload: Recorded) -> bool:
        """Keep one delivery (its payload, or the payload's JSON text as received); True when
        it is new, False for a repeat (already recorded). Raises what the database raised (then
        nothing of it was kept)."""
        waiting = _Waiting(number, payload)
        self._waiting.append(waiting)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="journal-writer")
        return await waiting.fresh

    async def _write(self) -> None:
        """Commit what waits, group after group, until nothing does."""
        while self._waiting:
            group = self._waiting[:LARGEST_GROUP]
            del self._waiting[:LARGEST_GROUP]
            batch: list[tuple[int, Recorded]] = []
            seen: set[int] = set()
            for waiting in group:
                if waiting.number not in seen:  # the same delivery twice in one group
                    seen.add(waiting.number)
                    batch.append((waiting.number, waiting.payload))
            try:
                fresh = await self.database.run(
                    partial(self.journal.record_many, batch, self.now()))
            except Exception as exc:
                for waiting in group:
                    if not waiting.fresh.done():
                        waiting.fresh.set_exception(exc)
                continue
            for waiting in group:
                if waiting.fresh.done():
                    continue
                is_new = waiting.number in fresh
                fresh.discard(waiting.number)  # a second copy in the group is a repeat
                waiting.fresh.set_result(is_new)
