"""The long-running side of peerdesk: the scheduler and the delivery loop, until stopped.

The adapters (Telegram, Slack) hand inbound messages to ``App.receive``; this runs beside them:
the scheduler's sweep (in the one process holding the database's lock) and the loop that
translates what waits for translation and sends the outbox.
"""

from __future__ import annotations

import asyncio
import logging

from bot.app import App

log = logging.getLogger(__name__)


async def deliver_until(app: App, stop: asyncio.Event, interval: float = 0.5) -> None:
    """Translate and send what waits until ``stop``: at once when something was queued,
    otherwise every ``interval`` seconds (retries and translations that come due)."""
    while not stop.is_set():
        app.queued.clear()
        try:
            await app.deliver(stop)
        except Exception:
            log.exception("delivery round failed; the next one tries again")
        else:
            if app.queued.is_set():
                continue  # queued while this round ran
        stopped = asyncio.create_task(stop.wait())
        queued = asyncio.create_task(app.queued.wait())
        try:
            await asyncio.wait({stopped, queued}, timeout=interval,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in (stopped, queued):
                waiting.cancel()


async def serve(app: App, stop: asyncio.Event, interval: float = 0.5) -> None:
    """Run the scheduler and the delivery loop until ``stop`` is set."""
    jobs = [deliver_until(app, stop, interval)]
    if app.scheduler is not None:
        jobs.append(app.scheduler.run(stop))
    await asyncio.gather(*jobs)
