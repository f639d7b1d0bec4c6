"""The ``[health]`` table: whether ``peerdesk run`` serves ``/healthz`` and ``/metrics``, and on
which address and port; and the ``[logging]`` table's format.

The endpoint is on by default for ``peerdesk run`` (a container's health check and a Prometheus
scrape need nothing more than the defaults) and never served by ``peerdesk console``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings_table import Section
from bot.webhook_settings import _is_host as is_host  # the same rule as the webhook's address

KEYS = {"enabled", "listen", "port"}
DEFAULT_PORT = 9180
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True, slots=True)
class HealthSettings:
    """Where the health and metrics endpoint listens (port 0: any free port, for tests)."""

    enabled: bool = True
    listen: str = "127.0.0.1"
    port: int = DEFAULT_PORT

    @property
    def address(self) -> str:
        """``host:port`` for logs and check-config."""
        host = f"[{self.listen}]" if ":" in self.listen else self.listen
        return f"{host}:{self.port}"


def read_health(table: Section) -> HealthSettings:
    """The ``[health]`` table, checked."""
    enabled = table.get("enabled", bool, True)
    listen = table.get("listen", str, "127.0.0.1")
    if not is_host(listen):
        raise table.fail("listen", listen, 'an IP address or host name to listen on, such as '
                                           '"127.0.0.1" or "0.0.0.0"')
    port = table.get("port", int, DEFAULT_PORT)
    if not 0 <= port <= 65535:
        raise table.fail("port", port, "a TCP port from 1 to 65535 (0: any free port)")
    return HealthSettings(enabled=enabled, listen=listen, port=port)


def read_log_format(table: Section) -> str:
    """``[logging] format``: one line of text per record, or one JSON object per line."""
    found = table.get("format", str, "text")
    if found not in LOG_FORMATS:
        raise table.fail("format", found, '"text" or "json"')
    return found
