"""A bounded pool of threads for blocking calls (deep-translator), with request timeouts.

Every call runs in one of at most ``max_workers`` daemon threads: a call cancelled while
queued never runs, a call cancelled while running finishes in its thread and its answer is
dropped. deep-translator never passes a timeout to ``requests``, so a stalled socket would hold
a thread for good; a request made from a runner thread gets the runner's ``request_timeout``
when it has none of its own (see :func:`_install_request_timeout`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import requests

T = TypeVar("T")

REQUEST_TIMEOUT = 10.0


class RunnerClosedError(RuntimeError):
    """The :class:`BlockingRunner` was shut down; it takes no more calls."""


class _RunnerThreadState(threading.local):
    """Per-thread: the request timeout of the runner that owns the thread, if any."""

    request_timeout: float | None = None


#: Set only in a :class:`BlockingRunner`'s own threads (each sets its own copy); ``None`` in
#: every other thread, where :func:`_bounded_send` changes nothing.
_runner_thread = _RunnerThreadState()
#: Serialises :func:`_install_request_timeout`, so two runners made at once patch only once.
_install_lock = threading.Lock()
_original_send: Callable[..., requests.Response] | None = None


def _bounded_send(session: requests.Session, request: requests.PreparedRequest,
                  **kwargs: Any) -> requests.Response:
    """``Session.send``, with a timeout filled in when called from a runner thread without one."""
    assert _original_send is not None
    limit = _runner_thread.request_timeout
    if limit is not None and kwargs.get("timeout") is None:
        kwargs["timeout"] = (limit, limit)  # (connect, read)
    return _original_send(session, request, **kwargs)


def _install_request_timeout() -> None:
    """Wrap ``requests.Session.send`` once (idempotent; called by every new runner).

    Why this patch exists: deep-translator 1.11.4 calls ``requests.get``/``requests.post``
    without ``timeout`` and offers no way to pass one (nor a session), so a server that accepts
    the connection and never answers keeps the worker thread blocked forever; after
    ``max_workers`` such stalls every online call only waits in the queue until its deadline.
    Every ``requests`` call, top-level or on a session, and every redirect goes through
    ``Session.send``, whose ``timeout`` keyword is missing or ``None`` when the caller gave
    none, so this is the narrowest place that reaches deep-translator's requests.

    What it changes: only calls made in a :class:`BlockingRunner`'s own threads (marked by a
    thread-local the runner sets), and only those that passed no timeout: they get
    ``(connect, read) = (request_timeout, request_timeout)``, so no connect and no wait for
    the next bytes of an answer blocks longer than that. Calls from any other thread, and
    calls with their own timeout, are passed on untouched. (``requests`` bounds each wait, not
    the whole call: a server trickling bytes, or a slow DNS resolver, can still stretch it.)
    """
    global _original_send
    with _install_lock:
        current: object = vars(requests.Session)["send"]
        if current is _bounded_send:
            return
        _original_send = requests.Session.send
        # setattr, not assignment: mypy refuses assigning to a method.
        setattr(requests.Session, "send", _bounded_send)  # noqa: B010


_Job = tuple[concurrent.futures.Future[Any], Callable[[], Any]]


class BlockingRunner:
    """A bounded pool of daemon threads running blocking calls for the event loop.

    Shared by all online providers and owned by the composition root, which calls
    :meth:`aclose`. Threads start on demand up to ``max_workers`` and are daemons, so a running
    call never holds up the process's exit. A ``requests`` call made without a timeout in one of
    these threads gets ``request_timeout`` for connecting and for each wait on the answer (see
    :func:`_install_request_timeout`), so a stalled server frees its thread within about
    ``request_timeout`` seconds instead of never.
    """

    def __init__(self, max_workers: int = 4, *, request_timeout: float = REQUEST_TIMEOUT,
                 thread_name: str = "peerdesk-online") -> None:
        """Run at most ``max_workers`` calls at once; the rest wait in order.

        ``request_timeout`` (seconds) bounds each connect and each wait for answer bytes of
        the ``requests`` calls made in these threads without a timeout of their own.
        """
        if max_workers < 1:
            raise ValueError(f"BlockingRunner needs at least one worker, not {max_workers}")
        if not (request_timeout > 0 and math.isfinite(request_timeout)):
            raise ValueError(f"BlockingRunner needs a positive request timeout, "
                             f"not {request_timeout!r}")
        _install_request_timeout()
        self._max_workers = max_workers
        self._request_timeout = float(request_timeout)
        self._thread_name = thread_name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._closed = False

    @property
    def max_workers(self) -> int:
        """The most threads this runner ever starts."""
        return self._max_workers

    @property
    def request_timeout(self) -> float:
        """Seconds a ``requests`` call in these threads may wait to connect or to read."""
        return self._request_timeout

    @property
    def thread_count(self) -> int:
        """How many threads it has started so far (never more than ``max_workers``)."""
        return len(self._threads)

    async def run(self, call: Callable[[], T]) -> T:
        """The result of ``call()`` run in a worker thread.

        Cancelling the awaiting task cancels a queued call (it never runs) and abandons a
        running one (it finishes in its thread; its result or error is dropped).
        Raises :class:`RunnerClosedError` after :meth:`shutdown`.
        """
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise RunnerClosedError("the online translation threads are shut down")
            self._jobs.put((future, call))
            self._add_thread_if_needed()
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        """Refuse new calls, fail queued ones, and let running ones end on their own."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None and job[0].set_running_or_notify_cancel():
                    job[0].set_exception(RunnerClosedError("shut down before it ran"))
            for _ in self._threads:
                self._jobs.put(None)

    async def aclose(self) -> None:
        """:meth:`shutdown`, without waiting for running calls."""
        self.shutdown()

    def _add_thread_if_needed(self) -> None:
        if self._idle.acquire(blocking=False):
            return
        if len(self._threads) < self._max_workers:
            thread = threading.Thread(target=self._work, daemon=True,
                                      name=f"{self._thread_name}-{len(self._threads)}")
            self._threads.append(thread)
            thread.start()

    def _work(self) -> None:
        _runner_thread.request_timeout = self._request_timeout
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, call = job
            if future.set_running_or_notify_cancel():
                try:
                    result = call()
                except StopIteration:  # asyncio futures refuse StopIteration
                    future.set_exception(RuntimeError("the call raised StopIteration"))
                except BaseException as error:
                    future.set_exception(error)
                else:
                    future.set_result(result)
            del job, future, call
            self._idle.release()



