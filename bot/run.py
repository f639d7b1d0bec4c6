"""``peerdesk run``: the help desk on the chat platforms the configuration enables — Telegram,
Slack or both at once — until stopped (Ctrl-C, SIGTERM): the adapters, the scheduler and the
delivery loop side by side. Telegram's updates arrive by long polling or through a webhook, as
``[telegram] mode`` says; Slack's over Socket Mode or HTTP, as ``[slack] mode`` says."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Mapping
from typing import Protocol

from telegram.ext import ApplicationBuilder

from bot.app import App, build_app
from bot.clock import SystemClock
from bot.codes import RandomJoinCodes
from bot.collector import settle_after_start
from bot.config import Settings
from bot.dispatcher import Channel
from bot.health import HealthServer, HealthUnavailable, start_health
from bot.health_checks import Connection
from bot.runtime import serve
from bot.slack.adapter import SlackUnavailable
from bot.slack.channel import SlackChannel
from bot.slack.wiring import slack_adapter, slack_client
from bot.telegram.adapter import AnyApplication, TelegramAdapter
from bot.telegram.channel import TelegramChannel
from bot.telegram.webhook import WebhookUnavailable
from handlers.ports import Clock
from storage.platform_updates import UpdateJournal

log = logging.getLogger(__name__)


class NothingToRun(Exception):
    """No platform peerdesk can run is enabled, or the one enabled cannot start (the message
    says what to do)."""


class Adapter(Protocol):
    """What ``run`` needs of a platform's adapter."""

    async def start(self) -> None:
        """Start receiving."""

    async def stop(self) -> None:
        """Stop receiving; what is recorded but unhandled waits for the next start."""


async def run_platforms(settings: Settings, environ: Mapping[str, str],
                        stop: asyncio.Event, started: Callable[[], None] | None = None,
                        ) -> None:
    """Run until ``stop`` is set (or another process polls the same Telegram bot);
    ``started`` is called once every platform is connected."""
    if not settings.telegram.enabled and not settings.slack.enabled:
        raise NothingToRun("no chat platform is enabled: set [telegram] enabled = true and "
                           f"export {settings.telegram.secret_envs[0]} (the token from "
                           "@BotFather), or [slack] enabled = true (see the README), or try "
                           "`peerdesk console`")
    clock = SystemClock()
    channels: dict[str, Channel] = {}
    invite_links: dict[str, str] = {}
    application: AnyApplication | None = None
    if settings.telegram.enabled:
        telegram = settings.telegram
        application = (ApplicationBuilder().token(environ[telegram.secret_envs[0]])
                       .base_url(telegram.base_url).base_file_url(telegram.base_file_url)
                       .build())
        channels["telegram"] = TelegramChannel(application.bot)
        await application.initialize()  # who the bot is: its username makes the invite links
        invite_links["telegram"] = f"https://t.me/{application.bot.username}?start=join_{{code}}"
    client = slack_client(settings, environ) if settings.slack.enabled else None
    if client is not None:
        channels["slack"] = SlackChannel(client)
    app = await build_app(settings, settings.storage.database_url, clock, RandomJoinCodes(),
                          channels, invite_links=invite_links)
    adapters: list[Adapter] = []
    connections: dict[str, Connection] = {}
    conflict = asyncio.Event()
    health: HealthServer | None = None
    try:
        if application is not None:
            telegram_adapter = _telegram_adapter(app, settings, environ, application, clock)
            conflict = telegram_adapter.conflict
            adapters.append(telegram_adapter)
            connections["telegram"] = telegram_adapter
        if client is not None:
            adapters.append(slack := slack_adapter(app, settings, environ, client, clock))
            connections["slack"] = slack
        try:
            health = await start_health(settings, app, connections)
        except HealthUnavailable as exc:
            raise NothingToRun(str(exc)) from None
        for adapter in adapters:
            try:
                await adapter.start()
            except (WebhookUnavailable, SlackUnavailable) as exc:
                raise NothingToRun(str(exc)) from None
        if started is not None:
            started()
        log.info("peerdesk: running on %s", ", ".join(_describe(settings)))
        await _serve_until_stopped(app, stop, conflict)
    finally:
        for adapter in reversed(adapters):
            await adapter.stop()
        if health is not None:
            await health.stop()
        await app.close()
        if client is not None and client.session is not None:
            await client.session.close()


def _telegram_adapter(app: App, settings: Settings, environ: Mapping[str, str],
                      application: AnyApplication, clock: Clock) -> TelegramAdapter:
    webhook = settings.telegram.webhook
    secret = environ.get(webhook.secret_env, "") if webhook is not None else ""
    return TelegramAdapter(app, application, UpdateJournal(app.database.engine, "telegram"),
                           settings.storage.data_dir / "incoming",
                           settings.deliverables.max_size_mb * 1024 * 1024, clock,
                           webhook=webhook, secret_token=secret)


def _describe(settings: Settings) -> list[str]:
    parts = []
    if settings.telegram.enabled:
        webhook = settings.telegram.webhook
        parts.append(f"Telegram ({f'webhook {webhook.url}' if webhook else 'long polling'})")
    if settings.slack.enabled:
        parts.append(f"Slack ({settings.slack_app.describe()})")
    return parts


async def _serve_until_stopped(app: App, stop: asyncio.Event, conflict: asyncio.Event) -> None:
    """Deliver and sweep until ``stop`` — or a Telegram conflict, which stops everything."""
    serving = asyncio.create_task(serve(app, stop))
    conflicted = asyncio.create_task(conflict.wait())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({conflicted, stopping, serving}, return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    await serving
    for task in (conflicted, stopping):
        task.cancel()


def run(settings: Settings, environ: Mapping[str, str]) -> int:
    """The command: run until Ctrl-C or SIGTERM; 2 when there is nothing to run."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        # The process is peerdesk's alone: its collector is set for a server once started.
        await run_platforms(settings, environ, stop, settle_after_start)

    try:
        asyncio.run(main())
    except NothingToRun as exc:
        print(f"peerdesk: {exc}")
        return 2
    return 0
