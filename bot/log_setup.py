"""Where peerdesk's logging is set up: the level, text or JSON lines, and the redaction of
secrets from every record.

Bot tokens travel in URLs (the Bot API puts the Telegram token in the path of every call and of
every file URL, ``…/file/bot<token>/…``) and libraries log URLs and exceptions carrying them
(httpx logs each request at INFO/DEBUG). Whatever logs them, a filter on the handler replaces
the secrets peerdesk was given (the values of the environment variables the configuration
names) and anything shaped like a Telegram or Slack token by ``[redacted]``, in the message, its
arguments and the exception's text, before any format is applied.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from bot.config import Settings

REDACTED = "[redacted]"
# A Telegram bot token (id:secret), a Slack token (bot, user, app-level, refresh…).
TOKEN_SHAPES = re.compile(
    r"\d{3,}:[A-Za-z0-9_-]{30,}"
    r"|\bxox[a-z]-[A-Za-z0-9-]{8,}"
    r"|\bxapp-[A-Za-z0-9-]{8,}")
# Secrets shorter than this are not searched for (they would hide ordinary words).
SHORTEST_SECRET = 8
_OURS = "_peerdesk_handler"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s{tag}: %(message)s"


class Redactor:
    """Replaces known secrets and token-shaped strings in a text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        known = sorted({s for s in secrets if len(s) >= SHORTEST_SECRET}, key=len, reverse=True)
        self._known = re.compile("|".join(re.escape(s) for s in known)) if known else None

    def __call__(self, text: str) -> str:
        """The text with every secret replaced."""
        if self._known is not None:
            text = self._known.sub(REDACTED, text)
        return TOKEN_SHAPES.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """Rewrites each record it sees so that no secret reaches a formatter or a handler."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the message (with its arguments merged in), the exception and the stack."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, redacted
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)  # what formatters print
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, and the
    exception's text when there is one (``process`` names a second process)."""

    def __init__(self, process: str = "") -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.process:
            entry["process"] = self.process
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


def secrets_in(settings: Settings, environ: Mapping[str, str]) -> list[str]:
    """The secret values the configuration points at (tokens, signing secrets, API keys)."""
    names = [*settings.telegram.secret_envs, *settings.slack_app.secret_envs]
    webhook = settings.telegram.webhook
    if webhook is not None:
        names.append(webhook.secret_env)
    found = [environ.get(name, "") for name in names]
    return [value for value in [*found, *settings.translation.secrets.values()] if value]


def configure_logging(level: str, format: str = "text", secrets: Iterable[str] = (),
                      stream: TextIO | None = None, process: str = "") -> logging.Handler | None:
    """Log at ``level`` to ``stream`` (standard error) as ``format`` says, with secrets
    redacted; returns the handler installed.

    Called again, it replaces its own handler. When something else already handles the root
    logger (a test runner, a program embedding peerdesk) and no ``stream`` is given, that one
    is kept — only the redaction is added to it — and None is returned.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(handler)
        handler.close()
    redaction = RedactingFilter(Redactor(secrets))
    if root.handlers and stream is None:
        for handler in root.handlers:
            for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
                handler.removeFilter(old)
            handler.addFilter(redaction)
        return None
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(redaction)
    if format == "json":
        handler.setFormatter(JsonFormatter(process))
    else:
        handler.setFormatter(logging.Formatter(
            TEXT_FORMAT.format(tag=f" [{process}]" if process else "")))
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(level)
    log_uncaught()
    return handler


def log_uncaught() -> None:
    """Send what Python would print itself — an exception nothing caught, in the main thread or
    in another — through logging, so that it is redacted and formatted like every record.
    (asyncio already logs what a task left unhandled.)"""
    uncaught = logging.getLogger("peerdesk.uncaught")

    def in_main(kind: type[BaseException], error: BaseException,
                trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        uncaught.critical("uncaught exception", exc_info=(kind, error, trace))

    def in_thread(crash: threading.ExceptHookArgs) -> None:
        if crash.exc_value is None or issubclass(crash.exc_type, SystemExit):
            return
        name = crash.thread.name if crash.thread is not None else "?"
        uncaught.critical("uncaught exception in thread %s", name,
                          exc_info=(crash.exc_type, crash.exc_value, crash.exc_traceback))

    sys.excepthook = in_main
    threading.excepthook = in_thread
