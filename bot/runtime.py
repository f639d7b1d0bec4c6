"""The long-running side of peerdesk: the scheduler and the delivery loop, until stopped.

The adapters (Telegram, Slack) hand inbound messages to ``App.receive``; this runs beside them:
the scheduler's sweep (in the one process holding the database's lock) and the loop that
translates what waits for translation and sends the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.app import App

log = logging.getLogger(__name__)


async def deliver_until(app: App, stop: asyncio.Event, interval: float = 0.5) -> None:
    """Translate and send what waits, every ``interval`` seconds, until ``stop``."""
    while not stop.is_set():
        try:
            await app.deliver(stop)
        except Exception:
            log.exception("delivery round failed; the next one tries again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


async def serve(app: App, stop: asyncio.Event, interval: float = 0.5) -> None:
    """Run the scheduler and the delivery loop until ``stop`` is set."""
    jobs = [deliver_until(app, stop, interval)]
    if app.scheduler is not None:
        jobs.append(app.scheduler.run(stop))
    await asyncio.gather(*jobs)
