"""The ``[telegram]`` keys that choose how updates arrive: long polling (the default) or a
webhook Telegram posts to, with the address it listens on and the secret token it checks.

Telegram requires the webhook's public URL to be HTTPS on port 443, 80, 88 or 8443, and a secret
token of 1 to 256 characters among ``A-Z a-z 0-9 _ -``; both are checked here, at start-up,
rather than by Telegram's refusal later. The secret itself stays in the environment.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.settings_table import ConfigError, Section

MODES = ("polling", "webhook")
KEYS = {"mode", "webhook_listen", "webhook_port", "webhook_url", "webhook_path",
        "webhook_secret_env"}
DEFAULT_SECRET_ENV = "PEERDESK_TELEGRAM_WEBHOOK_SECRET"
# Where Telegram agrees to post (its setWebhook documentation).
WEBHOOK_URL_PORTS = (443, 80, 88, 8443)
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                       r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*")


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """Where the webhook server listens, the public URL Telegram posts to, and the variable
    holding the secret token Telegram sends back in each request."""

    url: str
    listen: str = "127.0.0.1"
    port: int = 8443
    path: str = "/"
    secret_env: str = DEFAULT_SECRET_ENV

    @property
    def local_address(self) -> str:
        """The listening address as ``host:port/path``, for logs and check-config."""
        host = f"[{self.listen}]" if ":" in self.listen else self.listen
        return f"{host}:{self.port}{self.path}"


def read_mode(table: Section, enabled: bool,
              env: Mapping[str, str]) -> tuple[str, WebhookSettings | None]:
    """The mode, and the webhook's settings when it is ``webhook`` (None for polling). The
    secret's variable must be set (and its value valid) only when Telegram is enabled."""
    mode = table.get("mode", str, "polling")
    if mode not in MODES:
        raise table.fail("mode", mode, '"polling" or "webhook"')
    listen = table.get("webhook_listen", str, "127.0.0.1")
    if not _is_host(listen):
        raise table.fail("webhook_listen", listen,
                         'an IP address or host name to listen on, such as "127.0.0.1" or '
                         '"0.0.0.0"')
    port = table.get("webhook_port", int, 8443)
    if not 1 <= port <= 65535:
        raise table.fail("webhook_port", port, "a TCP port from 1 to 65535")
    url = table.get("webhook_url", str, "")
    if url or mode == "webhook":
        _check_url(table, url)
    path = table.get("webhook_path", str, "")
    if path and not (path.startswith("/") and " " not in path and "?" not in path):
        raise table.fail("webhook_path", path, 'a path starting with "/", such as "/telegram"')
    secret_env = table.get("webhook_secret_env", str, DEFAULT_SECRET_ENV)
    if mode == "polling":
        return mode, None
    if not secret_env:
        raise table.fail("webhook_secret_env", secret_env, "the name of an environment variable")
    if enabled:
        _check_secret(secret_env, env.get(secret_env, ""))
    return mode, WebhookSettings(url=url, listen=listen, port=port,
                                 path=path or urlsplit(url).path or "/", secret_env=secret_env)


def _is_host(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return bool(_HOSTNAME.fullmatch(value))
    return True


def _check_url(table: Section, url: str) -> None:
    expected = ("the public https:// URL Telegram posts updates to, on port 443, 80, 88 or "
                "8443, such as https://bot.example.org/telegram")
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError:
        raise table.fail("webhook_url", url, expected) from None
    if parts.scheme != "https" or not parts.hostname or port not in WEBHOOK_URL_PORTS \
            or parts.query or parts.fragment:
        raise table.fail("webhook_url", url, expected)


def _check_secret(var: str, secret: str) -> None:
    """One line saying what is wrong with the secret, never the secret itself."""
    where = f"[telegram] webhook_secret_env = {var!r}: "
    rule = ("Telegram accepts 1 to 256 characters among A-Z a-z 0-9 _ - (e.g. from "
            "`openssl rand -hex 32`)")
    if not secret:
        raise ConfigError(f"{where}the environment variable ${var} is not set; export it with "
                          f"the webhook's secret token ({rule}) or set [telegram] "
                          'mode = "polling"')
    if not SECRET_TOKEN.fullmatch(secret):
        size = f"{len(secret)} characters" if len(secret) > 256 else "a character outside them"
        raise ConfigError(f"{where}${var} holds {size}; {rule}")
