"""Hands inbound messages to the help desk in groups: one transaction and one commit per group.

Under load, messages that arrive while the database is busy are handled together (each in its
own savepoint, so each stays atomic); a lone message goes through at once. The caller of
:meth:`Intake.receive` learns only after the commit that its message is stored, so an adapter
acknowledges nothing that a crash could still lose.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

from bot.desk_process import DeskProcess
from handlers.messages import Inbound
from handlers.service import HelpDesk
from storage.database import Database

Waiting = tuple[Inbound, "asyncio.Future[None]"]
# Groups handed to the help desk's own process (bot/desk_process.py) and not yet committed.
GROUPS_AHEAD = 2


class Intake:
    """The single way inbound messages enter the core."""

    def __init__(self, database: Database, desk: HelpDesk, max_batch: int = 64,
                 reachable: Callable[[Sequence[str]], object] | None = None,
                 process: DeskProcess | None = None) -> None:
        self.database = database
        self.desk = desk
        self.max_batch = max_batch
        # Told who wrote before their messages are handled (the dispatcher sends to them
        # again if they had blocked the bot), so the replies are not set aside.
        self.reachable = reachable
        # When set, the groups are handled there (its own help desk, same database), not by
        # ``desk`` in a thread of this process (see bot/desk_process.py).
        self.process = process
        self._queue: asyncio.Queue[Waiting] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._settling: set[asyncio.Task[None]] = set()

    async def receive(self, inbound: Inbound) -> None:
        """Handle one message; returns once it and its replies are committed."""
        if self._queue is None or self._worker is None or self._worker.done():
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._work(self._queue), name="intake")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((inbound, done))
        await done

    async def receive_all(self, inbounds: Sequence[Inbound]) -> list[BaseException | None]:
        """Handle several messages, in order; returns once each is committed (or failed), with
        each one's failure or None. Cheaper than one :meth:`receive` each: no task apiece."""
        return await self.hand_over(inbounds)

    def hand_over(self, inbounds: Sequence[Inbound]) -> Awaitable[list[BaseException | None]]:
        """Queue several messages now, in order (before anything handed over later); await
        the result for each one's failure or None once it is committed."""
        if self._queue is None or self._worker is None or self._worker.done():
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._work(self._queue), name="intake")
        loop = asyncio.get_running_loop()
        waiting: list[asyncio.Future[None]] = []
        for inbound in inbounds:
            done: asyncio.Future[None] = loop.create_future()
            self._queue.put_nowait((inbound, done))  # unbounded: never waits
            waiting.append(done)
        return _outcomes(waiting)

    async def _work(self, queue: asyncio.Queue[Waiting]) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            inbounds = [inbound for inbound, _done in batch]
            if self.process is None:
                await _settle(batch, self.database.run(partial(self._handle, inbounds)))
                continue
            # The worker handles the groups one after the other, in the order they are handed
            # to it: the next one is handed over while it works on this one, which hides the
            # trip between the processes.
            try:
                handing: Awaitable[None] = self.process.submit(inbounds)
            except Exception as exc:  # no worker could be started: this group fails
                handing = _failed(exc)
            settling = asyncio.create_task(_settle(batch, handing))
            self._settling.add(settling)
            settling.add_done_callback(self._settling.discard)
            if len(self._settling) >= GROUPS_AHEAD:
                await asyncio.wait(self._settling, return_when=asyncio.FIRST_COMPLETED)

    def _handle(self, inbounds: list[Inbound]) -> None:
        if self.reachable is not None:
            self.reachable([inbound.sender.identity for inbound in inbounds])
        self.desk.handle_batch(inbounds)

    async def close(self) -> None:
        """Stop taking messages (what was committed stays committed)."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        self._worker = None
        self._queue = None
        if self._settling:  # the groups handed to the help desk's process are finished
            await asyncio.wait(self._settling)
        if self.process is not None:
            await self.process.close()


async def _settle(batch: list[Waiting], handling: Awaitable[None]) -> None:
    """Tell each message's sender how its group went, once it has."""
    try:
        await handling
    except Exception as exc:
        for _inbound, done in batch:
            if not done.done():
                done.set_exception(exc)
    else:
        for _inbound, done in batch:
            if not done.done():
                done.set_result(None)


async def _outcomes(waiting: list[asyncio.Future[None]]) -> list[BaseException | None]:
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    return [outcome if isinstance(outcome, BaseException) else None for outcome in outcomes]


async def _failed(exc: Exception) -> None:
    raise exc
