"""Wake-ups for the loops that wait for new outbox rows.

Something queued (a reply, a sweep's nags, a translated message) concerns more than one loop:
the translation stage and the dispatcher each wait for it, and each clears its own flag when it
starts a round, so one loop taking the news never hides it from the other.
"""

from __future__ import annotations

import asyncio


class Wakeups:
    """A signal with one flag per listening loop: :meth:`set` raises every flag."""

    def __init__(self) -> None:
        self._flags: list[asyncio.Event] = []

    def listen(self) -> asyncio.Event:
        """A new flag of one's own, raised by every later :meth:`set`."""
        flag = asyncio.Event()
        self._flags.append(flag)
        return flag

    def set(self) -> None:
        """Tell every listener that something new waits."""
        for flag in self._flags:
            flag.set()


async def wait_for_any(flags: list[asyncio.Event], seconds: float) -> None:
    """Return once one of the flags is raised, or after ``seconds``."""
    if any(flag.is_set() for flag in flags):
        return
    waiting = [asyncio.ensure_future(flag.wait()) for flag in flags]
    try:
        await asyncio.wait(waiting, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waiting:
            task.cancel()
