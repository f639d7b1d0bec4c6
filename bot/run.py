"""``peerdesk run``: the help desk on the chat platforms the configuration enables, until
stopped (Ctrl-C, SIGTERM) — the adapters, the scheduler and the delivery loop side by side.
Telegram's updates arrive by long polling or through a webhook, as ``[telegram] mode`` says."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Mapping

from telegram.ext import ApplicationBuilder

from bot.app import build_app
from bot.clock import SystemClock
from bot.codes import RandomJoinCodes
from bot.config import Settings
from bot.dispatcher import Channel
from bot.runtime import serve
from bot.telegram.adapter import TelegramAdapter
from bot.telegram.channel import TelegramChannel
from bot.telegram.webhook import WebhookUnavailable
from storage.platform_updates import UpdateJournal

log = logging.getLogger(__name__)


class NothingToRun(Exception):
    """No platform peerdesk can run is enabled, or the one enabled cannot start (the message
    says what to do)."""


async def run_platforms(settings: Settings, environ: Mapping[str, str],
                        stop: asyncio.Event) -> None:
    """Run until ``stop`` is set (or another process polls the same Telegram bot)."""
    if settings.slack.enabled:
        raise NothingToRun("the Slack adapter is not available yet: set [slack] enabled = false")
    if not settings.telegram.enabled:
        raise NothingToRun("no chat platform is enabled: set [telegram] enabled = true and "
                           f"export {settings.telegram.secret_envs[0]} (the token from "
                           "@BotFather), or try `peerdesk console`")
    telegram = settings.telegram
    token = environ[telegram.secret_envs[0]]
    application = (ApplicationBuilder().token(token).base_url(telegram.base_url)
                   .base_file_url(telegram.base_file_url).build())
    channels: dict[str, Channel] = {"telegram": TelegramChannel(application.bot)}
    await application.initialize()  # who the bot is: its username makes the invite links
    username = application.bot.username
    clock = SystemClock()
    app = await build_app(settings, settings.storage.database_url, clock, RandomJoinCodes(),
                          channels, invite_links={
                              "telegram": f"https://t.me/{username}?start=join_{{code}}"})
    webhook = telegram.webhook
    secret = environ.get(webhook.secret_env, "") if webhook is not None else ""
    adapter = TelegramAdapter(app, application, UpdateJournal(app.database.engine, "telegram"),
                              settings.storage.data_dir / "incoming",
                              settings.deliverables.max_size_mb * 1024 * 1024, clock,
                              webhook=webhook, secret_token=secret)
    try:
        try:
            await adapter.start()
        except WebhookUnavailable as exc:
            raise NothingToRun(str(exc)) from None
        log.info("peerdesk: running on Telegram as @%s (%s)",
                 adapter.identity.username if adapter.identity else "?",
                 f"webhook {webhook.url} on {webhook.local_address}" if webhook
                 else "long polling")
        serving = asyncio.create_task(serve(app, stop))
        conflict = asyncio.create_task(adapter.conflict.wait())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({conflict, stopping, serving}, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        await serving
        for task in (conflict, stopping):
            task.cancel()
    finally:
        await adapter.stop()
        await app.close()


def run(settings: Settings, environ: Mapping[str, str]) -> int:
    """The command: run until Ctrl-C or SIGTERM; 2 when there is nothing to run."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        await run_platforms(settings, environ, stop)

    try:
        asyncio.run(main())
    except NothingToRun as exc:
        print(f"peerdesk: {exc}")
        return 2
    return 0
