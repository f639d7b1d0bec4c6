"""Files shared in Slack fetched with the bot token from the local Slack: bytes as stored, size
checked before any download, Slack's sign-in page refused, files.info for a file without URL."""

from __future__ import annotations

from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.files import SlackFiles
from bot.slack.inbound import SlackFile
from handlers.messages import Attachment, ChatRef, Inbound, UserRef
from tests.slack.people import ANA
from tests.slack.web_api_server import SlackServer

CONTENT = bytes(range(256)) * 100


def _read(location: str) -> bytes:
    return Path(location).read_bytes()


def _listing(folder: Path) -> list[Path]:
    return list(folder.iterdir())


def _shared(server: SlackServer, content: bytes = CONTENT, *, url: bool = True,
            size: bool = True) -> tuple[SlackFile, Inbound]:
    stored = server.workspace.add_file("notes.pdf", content, "application/pdf")
    described = server.workspace.file_json(stored, server.base_url)
    file = SlackFile(stored.id, stored.name, len(content) if size else None, stored.mimetype,
                     described["url_private_download"] if url else None)
    inbound = Inbound(UserRef(f"slack:T0PEERDSK/{ANA}", "ana"),
                      ChatRef("slack", "D" + ANA[1:], True),
                      attachment=Attachment(file.name, file.size or 0, file.mime),
                      message_id="1800000000.000001", receipt=42)
    return file, inbound


async def test_fetched_with_the_bot_token(slack_server: SlackServer,
                                          slack_client: AsyncWebClient, tmp_path: Path) -> None:
    file, inbound = _shared(slack_server)
    fetched = await SlackFiles(slack_client, tmp_path, 1_000_000).fetch(file, inbound)
    assert fetched.attachment is not None and fetched.attachment.location is not None
    assert _read(fetched.attachment.location) == CONTENT
    assert fetched.attachment.size == len(CONTENT)
    assert slack_server.downloads[0][1] == f"Bearer {slack_server.bot_token}"


async def test_too_big_is_not_downloaded(slack_server: SlackServer,
                                         slack_client: AsyncWebClient, tmp_path: Path) -> None:
    file, inbound = _shared(slack_server)
    fetched = await SlackFiles(slack_client, tmp_path, len(CONTENT) - 1).fetch(file, inbound)
    assert fetched == inbound
    assert slack_server.downloads == [] and _listing(tmp_path) == []


async def test_too_big_without_a_size_is_not_kept(slack_server: SlackServer,
                                                  slack_client: AsyncWebClient,
                                                  tmp_path: Path) -> None:
    file, inbound = _shared(slack_server)
    file = SlackFile(file.id, file.name, None, file.mime, file.url)
    fetched = await SlackFiles(slack_client, tmp_path, 1000).fetch(file, inbound)
    assert fetched.attachment is not None and fetched.attachment.location is None
    assert fetched.attachment.size > 1000 and _listing(tmp_path) == []


async def test_sign_in_page_is_refused(slack_server: SlackServer, tmp_path: Path) -> None:
    file, inbound = _shared(slack_server)
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=slack_server.api_url)
    fetched = await SlackFiles(wrong, tmp_path, 1_000_000).fetch(file, inbound)
    assert fetched == inbound
    assert slack_server.downloads[0][1] == "Bearer xoxb-wrong"
    assert _listing(tmp_path) == []


async def test_file_without_url_is_described_first(slack_server: SlackServer,
                                                   slack_client: AsyncWebClient,
                                                   tmp_path: Path) -> None:
    file, inbound = _shared(slack_server, url=False, size=False)
    fetched = await SlackFiles(slack_client, tmp_path, 1_000_000).fetch(file, inbound)
    assert [call.params["file"] for call in slack_server.calls_to("files.info")] == [file.id]
    assert fetched.attachment is not None and fetched.attachment.location is not None
    assert _read(fetched.attachment.location) == CONTENT


async def test_described_then_too_big(slack_server: SlackServer,
                                      slack_client: AsyncWebClient, tmp_path: Path) -> None:
    file, inbound = _shared(slack_server, url=False, size=False)
    fetched = await SlackFiles(slack_client, tmp_path, 10).fetch(file, inbound)
    assert fetched.attachment is not None and fetched.attachment.size == len(CONTENT)
    assert fetched.attachment.location is None and slack_server.downloads == []


async def test_unknown_file_is_left_unread(slack_server: SlackServer,
                                           slack_client: AsyncWebClient, tmp_path: Path) -> None:
    file, inbound = _shared(slack_server, url=False)
    slack_server.fail_next("files.info", "file_not_found")
    assert await SlackFiles(slack_client, tmp_path, 1_000_000).fetch(file, inbound) == inbound
    assert slack_server.downloads == []
