"""The ``[slack]`` table: whether Slack runs, how its events arrive (Socket Mode, the default,
or HTTP requests Slack signs), the environment variables holding its secrets, where its Web API
is, and the slash command's name.

Socket Mode needs the bot token (``xoxb-``) and an app-level token (``xapp-``); HTTP mode needs
the bot token and the signing secret. Each is checked at start-up, only when Slack is enabled,
and a wrong one is named by its variable on one line: its value is never shown (at most its
prefix, which says which kind of token it is).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.settings_table import ConfigError, Section
from bot.webhook_settings import _is_host as is_host  # the same rule as Telegram's webhook

MODES = ("socket", "http")
KEYS = {"enabled", "mode", "bot_token_env", "app_token_env", "signing_secret_env",
        "http_listen", "http_port", "http_path", "base_url", "command"}
DEFAULT_BOT_TOKEN_ENV = "PEERDESK_SLACK_BOT_TOKEN"
DEFAULT_APP_TOKEN_ENV = "PEERDESK_SLACK_APP_TOKEN"
DEFAULT_SIGNING_SECRET_ENV = "PEERDESK_SLACK_SIGNING_SECRET"
DEFAULT_BASE_URL = "https://slack.com/api/"
DEFAULT_COMMAND = "/peerdesk"
# Slack: a command starts with "/", is one lowercase word and at most 32 characters long.
COMMAND = re.compile(r"/[a-z0-9][a-z0-9_.-]{0,30}")
# The kinds of Slack token, by prefix, to say which one was given in place of another.
_KINDS = {"xoxb-": "a bot token", "xapp-": "an app-level token", "xoxp-": "a user token",
          "xoxe": "a refresh or rotating token", "xoxa-": "a workspace token"}
_TOKEN_BODY = re.compile(r"[A-Za-z0-9-]+")


@dataclass(frozen=True, slots=True)
class SlackSettings:
    """How the Slack adapter connects; the secrets themselves stay in the environment."""

    enabled: bool = False
    mode: str = "socket"
    bot_token_env: str = DEFAULT_BOT_TOKEN_ENV
    app_token_env: str = DEFAULT_APP_TOKEN_ENV
    signing_secret_env: str = DEFAULT_SIGNING_SECRET_ENV
    http_listen: str = "127.0.0.1"
    http_port: int = 3000
    http_path: str = "/slack/events"
    base_url: str = DEFAULT_BASE_URL
    command: str = DEFAULT_COMMAND

    @property
    def secret_envs(self) -> tuple[str, ...]:
        """The variables this mode reads: the bot token, then the app token or signing secret."""
        second = self.app_token_env if self.mode == "socket" else self.signing_secret_env
        return (self.bot_token_env, second)

    @property
    def local_address(self) -> str:
        """HTTP mode's listening address as ``host:port/path``, for logs and check-config."""
        host = f"[{self.http_listen}]" if ":" in self.http_listen else self.http_listen
        return f"{host}:{self.http_port}{self.http_path}"

    def describe(self) -> str:
        """How events arrive and where the secrets come from, in one phrase (check-config)."""
        if self.mode == "socket":
            how = f"Socket Mode, app token from ${self.app_token_env}"
        else:
            how = (f"HTTP on {self.local_address}, signing secret from "
                   f"${self.signing_secret_env}")
        api = "" if self.base_url == DEFAULT_BASE_URL else f", Web API {self.base_url}"
        return f"{how}, bot token from ${self.bot_token_env}, command {self.command}{api}"


def read_slack(table: Section, env: Mapping[str, str]) -> SlackSettings:
    """The ``[slack]`` table, checked; the secrets of the chosen mode must be set (and look like
    what they should be) only when Slack is enabled."""
    enabled = table.get("enabled", bool, False)
    mode = table.get("mode", str, "socket")
    if mode not in MODES:
        raise table.fail("mode", mode, '"socket" or "http"')
    listen = table.get("http_listen", str, "127.0.0.1")
    if not is_host(listen):
        raise table.fail("http_listen", listen, 'an IP address or host name to listen on, such '
                                                'as "127.0.0.1" or "0.0.0.0"')
    port = table.get("http_port", int, 3000)
    if not 1 <= port <= 65535:
        raise table.fail("http_port", port, "a TCP port from 1 to 65535")
    path = table.get("http_path", str, "/slack/events")
    if not (path.startswith("/") and " " not in path and "?" not in path):
        raise table.fail("http_path", path, 'a path starting with "/", such as "/slack/events"')
    base_url = table.get("base_url", str, DEFAULT_BASE_URL)
    if not base_url.startswith(("https://", "http://")) or " " in base_url:
        raise table.fail("base_url", base_url, "an http(s) URL such as " + DEFAULT_BASE_URL)
    command = table.get("command", str, DEFAULT_COMMAND)
    if not COMMAND.fullmatch(command):
        raise table.fail("command", command, 'a slash command: "/" and one lowercase word of at '
                                             'most 31 characters, such as "/peerdesk"')
    settings = SlackSettings(
        enabled=enabled, mode=mode,
        bot_token_env=_variable(table, "bot_token_env", DEFAULT_BOT_TOKEN_ENV),
        app_token_env=_variable(table, "app_token_env", DEFAULT_APP_TOKEN_ENV),
        signing_secret_env=_variable(table, "signing_secret_env", DEFAULT_SIGNING_SECRET_ENV),
        http_listen=listen, http_port=port, http_path=path,
        # The SDK joins the method's name to it: without the final "/", "api" would be lost.
        base_url=base_url if base_url.endswith("/") else base_url + "/", command=command)
    if enabled:
        _check_token(settings.bot_token_env, "bot_token_env", env, "xoxb-",
                     "the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page")
        if mode == "socket":
            _check_token(settings.app_token_env, "app_token_env", env, "xapp-",
                         "an app-level token (xapp-…) with the connections:write scope, from "
                         "the app's Basic Information page")
        else:
            _check_signing_secret(settings.signing_secret_env, env)
    return settings


def _variable(table: Section, key: str, default: str) -> str:
    name = table.get(key, str, default)
    if not name or not name.replace("_", "").isalnum():
        raise table.fail(key, name, "the name of an environment variable")
    return name


def _missing(key: str, var: str, what: str, mode: str) -> ConfigError:
    other = ' or set [slack] enabled = false' if key == "bot_token_env" else \
        f' or set [slack] mode = "{mode}"'
    return ConfigError(f"[slack] {key} = {var!r}: the environment variable ${var} is not set; "
                       f"export it with {what}{other}")


def _check_token(var: str, key: str, env: Mapping[str, str], prefix: str, what: str) -> None:
    """One line saying what is wrong with a token, never the token itself."""
    token = env.get(var, "")
    if not token:
        raise _missing(key, var, what, "http")
    if token.startswith(prefix) and len(token) > len(prefix) \
            and _TOKEN_BODY.fullmatch(token):
        return
    found = next((kind for start, kind in _KINDS.items() if token.startswith(start)), None)
    if found is not None and not token.startswith(prefix):
        holds = f"holds {found}"
    elif token != token.strip():
        holds = "has spaces or a line break around the token"
    else:
        holds = f"does not hold a token of the form {prefix}…"
    raise ConfigError(f"[slack] {key} = {var!r}: ${var} {holds}; expected {what}")


def _check_signing_secret(var: str, env: Mapping[str, str]) -> None:
    """HTTP mode: the signing secret must be set, and not be a token pasted in its place."""
    key = "signing_secret_env"
    what = "the Signing Secret from the app's Basic Information page"
    secret = env.get(var, "")
    if not secret:
        raise _missing(key, var, what, "socket")
    if secret.startswith(("xox", "xapp-")):
        raise ConfigError(f"[slack] {key} = {var!r}: ${var} holds a token, not the signing "
                          f"secret; expected {what}")
    if not secret.isalnum():
        raise ConfigError(f"[slack] {key} = {var!r}: ${var} holds a character other than "
                          f"letters and digits; expected {what}")
