"""The health and metrics endpoint of ``peerdesk run``: ``GET /healthz`` and ``GET /metrics``
on the ``[health]`` address, an aiohttp server in peerdesk's own event loop.

``/healthz`` answers 200 with a JSON object naming each check and its state when all pass, and
503 with the same object when one fails (see :mod:`bot.health_checks`); ``/metrics`` answers
Prometheus's text format 0.0.4 (see :mod:`bot.metrics`). Nothing else is served.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping

from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from bot.app import App
from bot.config import Settings
from bot.health_checks import (
    Check,
    Connection,
    DatabaseLooks,
    HealthChecks,
    TranslatorCheck,
    connection_check,
)
from bot.health_settings import HealthSettings
from bot.metrics import Metrics

log = logging.getLogger(__name__)


class HealthUnavailable(Exception):
    """The endpoint cannot listen where ``[health]`` says (the message says why, in a line)."""


class HealthServer:
    """Serves ``/healthz`` and ``/metrics`` on ``listen``:``port`` (port 0: any free one, see
    :attr:`port` once started)."""

    def __init__(self, checks: HealthChecks, metrics: Metrics, listen: str, port: int,
                 looks: DatabaseLooks | None = None) -> None:
        """``looks`` (the database's, shared by the checks and the metrics) is closed at stop."""
        self.checks = checks
        self.metrics = metrics
        self.listen = listen
        self.port = port
        self.looks = looks
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; :class:`HealthUnavailable` when the address is taken or not this host's."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.listen, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            if self.looks is not None:
                self.looks.close()
            where = HealthSettings(listen=self.listen, port=self.port).address
            reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
            raise HealthUnavailable(
                f"cannot listen on {where} for /healthz and /metrics ({reason}); "
                "set [health] listen and port, or enabled = false") from None
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening and release the database looks."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        if self.looks is not None:
            self.looks.close()

    async def _healthz(self, _request: web.Request) -> web.Response:
        report = await self.checks.run()
        return web.json_response(report.as_json(), status=200 if report.ok else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = await self.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})


def health_checks(settings: Settings, app: App, looks: DatabaseLooks,
                  connections: Mapping[str, Connection]) -> HealthChecks:
    """The checks of a running peerdesk: the process, the database, each platform's
    connection, the translator."""
    started = time.monotonic()

    async def process() -> str:
        return f"up {time.monotonic() - started:.0f} s, pid {os.getpid()}"

    checks: dict[str, Check] = {"process": process, "database": looks.answers}
    checks.update({name: connection_check(connection)
                   for name, connection in connections.items()})
    checks["translator"] = TranslatorCheck(settings.translation, app.translator)
    return HealthChecks(checks)


def health_server(settings: Settings, app: App,
                  connections: Mapping[str, Connection]) -> HealthServer:
    """The endpoint for a running peerdesk, as ``[health]`` says (not started yet)."""
    looks = DatabaseLooks(app.database.url)
    return HealthServer(health_checks(settings, app, looks, connections), Metrics(app, looks),
                        settings.health.listen, settings.health.port, looks)


async def start_health(settings: Settings, app: App,
                       connections: Mapping[str, Connection]) -> HealthServer | None:
    """Start the endpoint when ``[health]`` enables it (None when it does not);
    :class:`HealthUnavailable` when it cannot listen."""
    if not settings.health.enabled:
        return None
    server = health_server(settings, app, connections)
    await server.start()
    where = HealthSettings(listen=server.listen, port=server.port).address
    log.info("peerdesk: health on http://%s/healthz, metrics on http://%s/metrics", where, where)
    return server
