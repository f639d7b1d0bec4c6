"""The long-running side of peerdesk: the scheduler, translation and delivery, until stopped.

The adapters (Telegram, Slack) hand inbound messages to ``App.receive``; this runs beside them:
the scheduler's sweep (in the one process holding the database's lock), the translation stage,
and the dispatcher sending the outbox. Translation and sending are two loops, so a long send
(a broadcast paced by Telegram's limits) never keeps a quoted message from being translated,
and a slow translator never holds up what is ready to send.
"""

from __future__ import annotations

import asyncio
import logging

from bot.app import App
from bot.wakeups import wait_for_any

log = logging.getLogger(__name__)


async def deliver_until(app: App, stop: asyncio.Event, interval: float = 0.5) -> None:
    """Translate, then send, what waits until ``stop``, in one loop: at once when something
    was queued, otherwise every ``interval`` seconds (retries and translations that come
    due). Tests use it for its simple order; ``serve`` runs the two loops below instead."""
    queued = app.queued.listen()
    while not stop.is_set():
        queued.clear()
        try:
            await app.deliver(stop)
        except Exception:
            log.exception("delivery round failed; the next one tries again")
        else:
            if queued.is_set():
                continue  # queued while this round ran
        await wait_for_any([stop, queued], interval)


async def send_until(app: App, stop: asyncio.Event, queued: asyncio.Event,
                     interval: float = 0.5) -> None:
    """Send what may go until ``stop``: at once when ``queued`` is raised (even in the middle
    of a round), otherwise every ``interval`` seconds (retries that come due)."""
    while not stop.is_set():
        queued.clear()
        try:
            await app.send(stop, woken=queued)
        except Exception:
            log.exception("delivery round failed; the next one tries again")
        else:
            if queued.is_set():
                continue
        await wait_for_any([stop, queued], interval)


async def translate_until(app: App, stop: asyncio.Event, queued: asyncio.Event,
                          translated: asyncio.Event, interval: float = 0.5) -> None:
    """Translate what waits until ``stop`` (at once when ``queued`` is raised, otherwise every
    ``interval`` seconds), raising ``translated`` for the sending loop whenever that made
    messages ready to go."""
    while not stop.is_set():
        queued.clear()
        if await app.translate():
            translated.set()
        if not queued.is_set():
            await wait_for_any([stop, queued], interval)


async def serve(app: App, stop: asyncio.Event, interval: float = 0.5) -> None:
    """Run the scheduler, the translation stage and the dispatcher until ``stop`` is set."""
    sending, translating = app.queued.listen(), app.queued.listen()
    jobs = [send_until(app, stop, sending, interval),
            translate_until(app, stop, translating, sending, interval)]
    if app.scheduler is not None:
        jobs.append(app.scheduler.run(stop))
    await asyncio.gather(*jobs)
