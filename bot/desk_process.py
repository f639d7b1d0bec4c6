"""The help desk in a second process of its own (``[storage] desk_process = true``).

Handling a message is pure Python plus SQL: on one interpreter it competes, for the one GIL,
with the adapters that parse, acknowledge and deliver. With this option the adapters' process
hands each group of inbound messages (packed by bot/inbound_wire.py) through a pipe to one worker
process that built its own help desk exactly as ``build_app`` builds the in-process one, on the
same database; it handles them as :meth:`HelpDesk.handle_batch` always does — one transaction,
each message atomic, marked handled in the platform's journal in that same transaction — and
only then does the caller learn they are stored.

The worker handles the groups one after the other, in the order they were handed over, which
keeps the order; ``Intake`` hands over the next group while the worker handles one, so that the
trip between the processes is not waited for. On SQLite both processes write: they take turns
through a lock file (storage/writer_lock.py). If the worker dies, the groups it held fail with
:class:`DeskGone` (their messages stay unhandled in the journal and are tried again, as after a
crash), and the next group starts a fresh worker. The worker ends with the adapters' process,
however that ends.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from bot.collector import settle_after_start
from bot.config import Settings
from bot.desk_build import build_desk
from bot.inbound_wire import pack, unpack
from bot.log_setup import configure_logging, secrets_in
from handlers.messages import Inbound
from handlers.ports import Clock, JoinCodes
from storage.database import build_engine
from storage.delivery import Reachability

log = logging.getLogger(__name__)

# How long a closing worker may take to finish before it is killed.
CLOSE_SECONDS = 30.0


class DeskGone(Exception):
    """The help desk's process ended before it had committed a group."""


class DeskFailed(Exception):
    """The help desk's process could not handle a group (its exception's type and text: an
    exception object itself may not survive the trip back)."""


@dataclass(frozen=True, slots=True)
class Recipe:
    """What the worker needs to build its help desk (sent to it pickled, once)."""

    settings: Settings
    database_url: str
    clock: Clock
    codes: JoinCodes
    invite_links: dict[str, str] = field(default_factory=dict)


def _serve(connection: Connection, recipe: Recipe) -> None:
    """The worker process: build the help desk (no migration: the parent did it), say so with
    its process id, then handle each group that comes, answering None or the exception, until
    the parent closes the pipe."""
    # Ctrl-C and a service manager's SIGTERM reach the whole process group: the parent stops
    # the worker in order (and if the parent dies, _exit_with ends the worker).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    configure_logging(recipe.settings.log_level, recipe.settings.log_format,
                      secrets_in(recipe.settings, os.environ), process="desk")
    parent = multiprocessing.parent_process()
    if parent is not None:  # killed with it: nothing outlives the command
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True,
                         name="desk-parent").start()
    engine = build_engine(recipe.database_url, recipe.settings.storage.sqlite_sync, shared=True)
    desk = build_desk(recipe.settings, engine, recipe.clock, recipe.codes, recipe.invite_links)
    reachability = Reachability(engine)
    settle_after_start()  # a server process too: its collector set as `peerdesk run` sets it
    connection.send(os.getpid())
    while True:
        try:
            inbounds = unpack(connection.recv_bytes())
        except EOFError:
            return
        try:
            # Who wrote can be sent to again (see Intake), then the group, one transaction.
            reachability.mark_reachable([inbound.sender.identity for inbound in inbounds])
            desk.handle_batch(inbounds)
        except Exception as exc:
            log.exception("the help desk could not handle a group of %d", len(inbounds))
            connection.send(DeskFailed(f"{type(exc).__name__}: {exc}"))
        else:
            connection.send(None)


def _exit_with(parent_sentinel: int) -> None:
    """Run in the worker: end it as soon as the adapters' process has ended, however it ended
    (``kill -9`` included; a group not committed yet stays in the journal, as after a crash)."""
    wait([parent_sentinel])
    os._exit(1)


def _reap(process: BaseProcess) -> None:
    """Wait for a worker to end (killing it if it does not), so that it leaves no zombie."""
    process.join(CLOSE_SECONDS)
    if process.is_alive():
        log.warning("the help desk's process did not stop; killing it")
        process.kill()
        process.join()


class DeskProcess:
    """The help desk's worker process, seen from the adapters' process (one event loop)."""

    def __init__(self, recipe: Recipe) -> None:
        self.recipe = recipe
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        self._started: asyncio.Future[int] | None = None
        # The groups handed over and not answered yet, oldest first (the worker answers so).
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()
        self._reaping: set[asyncio.Future[None]] = set()

    async def start(self) -> None:
        """Start the worker and wait until its help desk is built."""
        await self.worker_pid()

    async def worker_pid(self) -> int:
        """The worker's process id (started if need be, once its help desk is built)."""
        return await asyncio.shield(self._running())

    async def handle(self, inbounds: Sequence[Inbound]) -> None:
        """Handle one group in the worker; returns once it is committed (raises if it was
        not: the worker's exception, or :class:`DeskGone` when the worker died)."""
        await self.submit(inbounds)

    def submit(self, inbounds: Sequence[Inbound]) -> Awaitable[None]:
        """Hand one group to the worker now (it handles them in the order handed); what it
        returns is awaited as :meth:`handle`."""
        packed = pack(inbounds)
        answered = asyncio.get_running_loop().create_future()
        try:
            self._send(packed)
        except OSError:  # it died while idle: this group never reached it
            self._lost("the help desk's process had stopped; starting a new one")
            self._send(packed)
        self._waiting.append(answered)
        return answered

    def _send(self, packed: bytes) -> None:
        self._running()
        assert self._connection is not None
        self._connection.send_bytes(packed)

    def _running(self) -> asyncio.Future[int]:
        """The worker's start (a new worker when there is none)."""
        if self._started is not None:
            return self._started
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, self.recipe), name="peerdesk-desk",
                                  daemon=True)
        process.start()
        theirs.close()
        self._process, self._connection = process, ours
        started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        # A start that failed with nobody waiting for it is logged by _lost, not by asyncio.
        started.add_done_callback(lambda done: done.cancelled() or done.exception())
        self._started = started
        asyncio.get_running_loop().add_reader(ours.fileno(), self._on_answer)
        return started

    def _on_answer(self) -> None:
        """The worker said something (or its end of the pipe closed: it died)."""
        connection = self._connection
        try:
            while connection is not None and connection.poll():
                try:
                    answer = connection.recv()
                except (EOFError, OSError):
                    raise
                except Exception as exc:  # unreadable: it still answers the oldest group
                    answer = DeskFailed(f"an answer could not be read: {exc}")
                self._take(answer)
        except (EOFError, OSError):
            if self._waiting:
                log.error("the help desk's process died while handling %d group(s); their "
                          "messages wait in the journal, and a new process takes the next ones",
                          len(self._waiting))
            self._lost("the help desk's process ended")

    def _take(self, answer: Any) -> None:
        started = self._started
        if started is not None and not started.done():
            started.set_result(int(answer))
            return
        if not self._waiting:
            return
        answered = self._waiting.popleft()
        if answered.done():
            return
        if isinstance(answer, BaseException):
            answered.set_exception(answer)
        else:
            answered.set_result(None)

    def _lost(self, why: str) -> None:
        """Forget the worker: what it held fails, the next group starts a new one."""
        connection, self._connection = self._connection, None
        process, self._process = self._process, None
        started, self._started = self._started, None
        if connection is not None:
            asyncio.get_running_loop().remove_reader(connection.fileno())
            connection.close()
        if started is not None and not started.done():
            started.set_exception(DeskGone(why))
        while self._waiting:
            answered = self._waiting.popleft()
            if not answered.done():
                answered.set_exception(DeskGone(why))
        if process is not None:  # reaped (in a thread: it may take a moment to end)
            reaping = asyncio.ensure_future(asyncio.to_thread(_reap, process))
            self._reaping.add(reaping)
            reaping.add_done_callback(self._reaping.discard)

    async def close(self) -> None:
        """Let the groups under way finish, then stop the worker."""
        if self._waiting:  # the groups under way, a while at most: then they fail
            await asyncio.wait(list(self._waiting), timeout=CLOSE_SECONDS)
        process, connection = self._process, self._connection
        if connection is not None:
            asyncio.get_running_loop().remove_reader(connection.fileno())
            connection.close()  # the worker reads the end of the pipe and returns
        started, self._started = self._started, None
        self._process = self._connection = None
        while self._waiting:
            answered = self._waiting.popleft()
            if not answered.done():
                answered.set_exception(DeskGone("the help desk's process was stopped"))
        if started is not None and not started.done():
            started.set_exception(DeskGone("the help desk's process was stopped"))
        if process is not None:
            await asyncio.to_thread(_reap, process)
        if self._reaping:
            await asyncio.wait(self._reaping)
