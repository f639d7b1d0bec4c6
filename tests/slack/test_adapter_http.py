"""The Slack adapter in HTTP mode: Slack's signed requests posted to peerdesk's endpoint on
127.0.0.1 and checked by slack-bolt — a body changed by one byte or a timestamp 301 s old is
refused and nothing is recorded; a good event is answered 200 and handled; Slack's retries
(``X-Slack-Retry-Num``) are answered and ignored; a slash command and a button press are
form-encoded; the URL check is answered with its challenge."""

from __future__ import annotations

import json
import time
from pathlib import Path

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bot.slack.adapter import SlackAdapter
from storage.platform_updates import UpdateJournal, updates
from tests.slack.people import ANA, BRUNO, TEAM_CHANNEL
from tests.slack.running import (
    TEAM,
    button_press,
    buttons_of,
    dm_event,
    event_callback,
    eventually,
    running_slack,
)
from tests.slack.signed import (
    command_body,
    event_body,
    interactive_body,
    post,
    signed_headers,
)
from tests.slack.web_api_server import SlackServer

ANA_DM, BRUNO_DM = "D" + ANA[1:], "D" + BRUNO[1:]
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"


def _url(adapter: SlackAdapter) -> str:
    assert adapter.server is not None
    return f"http://127.0.0.1:{adapter.server.port}/slack/events"


async def _recorded(adapter: SlackAdapter) -> int:
    """How many Slack payloads the journal holds, handled or not."""
    return await adapter.app.database.run(lambda: _count(adapter.journal))


def _count(journal: UpdateJournal) -> int:
    with journal.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(updates).where(
            updates.c.platform == "slack")).scalar_one())


async def test_signed_events_are_taken_and_forged_ones_refused(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str, session: aiohttp.ClientSession) -> None:
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url,
                             mode="http") as (_app, adapter):
        url = _url(adapter)
        body = event_body(event_callback(dm_event(ANA, "/start"), event_id="Ev0HTTP00001"))
        headers = signed_headers(body, content_type=JSON_TYPE)
        # One byte changed after signing: refused.
        forged = body.replace("/start", "/stark")
        assert (await post(session, url, forged, headers))[0] == 401
        # Signed five minutes and a second ago: refused (a replay).
        stale = signed_headers(body, timestamp=int(time.time()) - 301, content_type=JSON_TYPE)
        assert (await post(session, url, body, stale))[0] == 401
        # Signed with another secret: refused.
        other = signed_headers(body, content_type=JSON_TYPE, secret="another-secret")
        assert (await post(session, url, body, other))[0] == 401
        await adapter.queued()
        assert await _recorded(adapter) == 0
        assert space.posted(ANA_DM) == []
        # The real one: answered 200 at once, handled after.
        assert (await post(session, url, body, headers))[0] == 200
        await eventually(lambda: len(space.posted(ANA_DM)) == 1)
        assert "Boas-vindas ao peerdesk" in space.posted(ANA_DM)[0]["text"]
        # Slack's retries of it (it saw no answer in time): answered, ignored.
        for attempt in ("1", "2"):
            retry = {**signed_headers(body, content_type=JSON_TYPE),
                     "X-Slack-Retry-Num": attempt, "X-Slack-Retry-Reason": "http_timeout"}
            assert (await post(session, url, body, retry))[0] == 200
        await adapter.queued()
        assert await _recorded(adapter) == 1
        assert len(space.posted(ANA_DM)) == 1


async def test_commands_buttons_and_the_url_check(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str, session: aiohttp.ClientSession) -> None:
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url,
                             mode="http") as (_app, adapter):
        url = _url(adapter)
        check = json.dumps({"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWM"
                            "mHkvFXO7tYXAYM8P", "type": "url_verification"})
        status, text = await post(session, url, check,
                                  signed_headers(check, content_type=JSON_TYPE))
        assert status == 200 and "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in text
        command = command_body({
            "token": "x", "team_id": TEAM, "team_domain": "peer", "channel_id": TEAM_CHANNEL,
            "channel_name": "team-docs", "user_id": BRUNO, "user_name": "bruno",
            "command": "/peerdesk", "text": "start", "api_app_id": "A0PEERAPP",
            "response_url": "http://127.0.0.1:9/commands/1", "trigger_id": "1.2.abc"})
        status, text = await post(session, url, command,
                                  signed_headers(command, content_type=FORM_TYPE))
        assert status == 200 and text == ""  # nothing shown in the channel
        await eventually(lambda: len(space.posted(BRUNO_DM)) == 1)
        greeting = space.posted(BRUNO_DM)[0]
        assert "Welcome to peerdesk" in greeting["text"]
        assert space.posted(TEAM_CHANNEL) == []
        press = interactive_body(button_press(BRUNO, BRUNO_DM, greeting["ts"],
                                              buttons_of(greeting)[0]))
        status, _text = await post(session, url, press,
                                   signed_headers(press, content_type=FORM_TYPE))
        assert status == 200
        await eventually(lambda: len(space.posted(BRUNO_DM)) >= 2)


async def test_a_request_the_journal_cannot_record_is_answered_500(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str, session: aiohttp.ClientSession,
        monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_slack(slack_server, slack_client, tmp_path, database_url,
                             mode="http") as (_app, adapter):
        def broken(*_args: object) -> set[int]:
            raise OSError("disk full")

        monkeypatch.setattr(adapter.journal, "record_many", broken)
        body = event_body(event_callback(dm_event(ANA, "/start")))
        status, _text = await post(session, _url(adapter), body,
                                   signed_headers(body, content_type=JSON_TYPE))
        assert status == 500  # Slack sends it again
