"""No bot token reaches the log: python-telegram-bot and httpx logging at DEBUG against the local
Bot API server (every URL carries the token), a file URL in a message, an exception whose text
holds such a URL — in text and in JSON lines; and a secret of any shape, when configured."""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
from collections.abc import Iterator

import httpx
import pytest

from bot.log_setup import REDACTED, Redactor, configure_logging
from tests.telegram.bot_api_server import BotApiServer
from tests.telegram.offline import server_bot
from tests.telegram.updates import user

# Shaped like a real token: the bot's id, a colon, 35 characters.
TOKEN = "7012345678:AAHk3n-_Zq9XbV7TQ2mWc4pL8sYe1uJf0dR"
SECRET_PART = TOKEN.split(":", 1)[1]
log = logging.getLogger("peerdesk.test")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put the root logger, and the hooks for uncaught exceptions, back as they were."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    hooks = sys.excepthook, threading.excepthook
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)
    sys.excepthook, threading.excepthook = hooks


@pytest.mark.parametrize("form", ["text", "json"])
async def test_no_token_in_what_the_libraries_and_peerdesk_log(
        form: str, restore_logging: None) -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", form, stream=stream)  # no secrets given: their shape is enough
    async with BotApiServer(token=TOKEN) as server, server_bot(server) as bot:
        await bot.get_me()
        pushed = server.push_document(user(5), b"%PDF-1.4 draft", "draft.pdf")
        found = await bot.get_file(pushed["message"]["document"]["file_id"])
        assert found.file_path is not None and TOKEN in found.file_path
        log.info("telegram: fetching %s", found.file_path)
        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.get(found.file_path + "-gone")
        try:
            response.raise_for_status()  # its message holds the URL
        except httpx.HTTPStatusError:
            log.exception("telegram: could not fetch the file")
    output = stream.getvalue()
    assert "getMe" in output and "Traceback" in output  # the requests and the exception
    assert "/file/bot[redacted]/" in output
    assert TOKEN not in output and SECRET_PART not in output
    if form == "json":
        entries = [json.loads(line) for line in output.splitlines()]
        assert {"time", "level", "logger", "message"} <= set(entries[0])
        (failure,) = [e for e in entries if e["message"] == "telegram: could not fetch the file"]
        assert failure["level"] == "ERROR" and "HTTPStatusError" in failure["exception"]
        assert "404 Not Found" in failure["exception"]


def test_configured_secrets_of_any_shape_and_slack_tokens_are_redacted(
        restore_logging: None) -> None:
    stream = io.StringIO()
    configure_logging("INFO", "text", ["short-but-secret"], stream=stream)
    log.info("key %s, bot %s, app %s", "short-but-secret", "xoxb-1111-2222-abcdefABCDEF",
             "xapp-1-A0B1C2-123-abc0123")
    line = stream.getvalue()
    assert line.count(REDACTED) == 3, line
    assert "short-but-secret" not in line and "xoxb-1111" not in line and "xapp-1-" not in line


@pytest.mark.parametrize("form", ["text", "json"])
def test_an_exception_nothing_caught_is_logged_redacted(form: str,
                                                        restore_logging: None) -> None:
    stream = io.StringIO()
    configure_logging("INFO", form, [TOKEN], stream=stream)
    url = f"https://api.telegram.org/file/bot{TOKEN}/documents/file_1.pdf"
    try:
        raise RuntimeError(f"could not fetch {url}")
    except RuntimeError as error:  # what the interpreter hands its hook when nothing caught it
        sys.excepthook(type(error), error, error.__traceback__)

    def crash() -> None:
        raise ValueError(f"thread fetched {url}")

    thread = threading.Thread(target=crash, name="fetcher")
    thread.start()
    thread.join()
    written = stream.getvalue()
    assert SECRET_PART not in written, written
    assert written.count(REDACTED) >= 2
    assert "RuntimeError: could not fetch https://api.telegram.org/file/bot[redacted]" \
        in written.replace("\\n", "\n")
    assert "uncaught exception in thread fetcher" in written
    if form == "json":
        entries = [json.loads(line) for line in written.splitlines()]
        assert [e["level"] for e in entries] == ["CRITICAL", "CRITICAL"]
        assert "ValueError: thread fetched" in entries[1]["exception"]


def test_ordinary_text_is_left_alone() -> None:
    redact = Redactor(["tiny"])  # too short to hunt for
    text = "12:30 meeting, tiny team, task 123:abc, https://t.me/peerdesk_bot?start=join_X"
    assert redact(text) == text
