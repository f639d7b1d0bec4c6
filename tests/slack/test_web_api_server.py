"""The local Slack through slack_sdk: real response shapes, token checks, uploads and
downloads, Socket Mode envelopes and acks, and every kind of injected failure."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack.people import ANA, ARCHIVED, GONE, OUTSIDE, TEAM_CHANNEL
from tests.slack.web_api_server import SlackServer


async def _error(call: object) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def test_auth_and_tokens(slack_server: SlackServer, slack_client: AsyncWebClient) -> None:
    me = await slack_client.auth_test()
    assert me["user_id"] == "U0PEERBOT" and me["team_id"] == "T0PEERDSK"
    anonymous = AsyncWebClient(base_url=slack_server.api_url)
    assert (await _error(anonymous.auth_test())).response["error"] == "not_authed"
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=slack_server.api_url)
    assert (await _error(wrong.chat_postMessage(channel=TEAM_CHANNEL, text="x"))
            ).response["error"] == "invalid_auth"
    app = AsyncWebClient(token=slack_server.app_token, base_url=slack_server.api_url)
    assert (await _error(app.auth_test())).response["error"] == "not_allowed_token_type"
    assert (await _error(slack_client.apps_connections_open(app_token="xapp-nope"))
            ).response["error"] == "invalid_auth"
    assert [call.token for call in slack_server.calls][:2] == [slack_server.bot_token, None]


async def test_messages_threads_and_updates(slack_server: SlackServer,
                                            slack_client: AsyncWebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi *there*"}},
              {"type": "actions", "elements": [{"type": "button", "action_id": "b1",
                                                "text": {"type": "plain_text", "text": "OK"},
                                                "value": "review:approve:1"}]}]
    first = await slack_client.chat_postMessage(channel=TEAM_CHANNEL, text="Hi", blocks=blocks)
    second = await slack_client.chat_postMessage(channel=TEAM_CHANNEL, text="again")
    assert first["channel"] == TEAM_CHANNEL and first["ts"] < second["ts"]
    assert first["message"]["blocks"][1]["elements"][0]["value"] == "review:approve:1"
    reply = await slack_client.chat_postMessage(channel=TEAM_CHANNEL, text="in thread",
                                                thread_ts=first["ts"])
    assert reply["message"]["thread_ts"] == first["ts"]
    assert (await _error(slack_client.chat_postMessage(
        channel=TEAM_CHANNEL, text="x", thread_ts="1.2"))).response["error"] == "thread_not_found"
    updated = await slack_client.chat_update(channel=TEAM_CHANNEL, ts=first["ts"], text="Hi",
                                             blocks=blocks[:1])
    assert "actions" not in str(updated["message"]["blocks"])
    assert (await _error(slack_client.chat_update(channel=TEAM_CHANNEL, ts="9.9", text="x"))
            ).response["error"] == "message_not_found"
    call = slack_server.calls_to("chat.postMessage")[0]
    assert call.params["channel"] == TEAM_CHANNEL and call.token == slack_server.bot_token
    assert slack_server.texts_in(TEAM_CHANNEL) == ["Hi", "again", "in thread"]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_dms_users_and_refusals(slack_server: SlackServer,
                                      slack_client: AsyncWebClient) -> None:
    opened = await slack_client.conversations_open(users=ANA)
    assert opened["channel"]["id"].startswith("D") and "already_open" not in opened.data
    again = await slack_client.conversations_open(users=ANA)
    assert again["channel"]["id"] == opened["channel"]["id"] and again["already_open"]
    sent = await slack_client.chat_postMessage(channel=ANA, text="oi")
    assert sent["channel"] == opened["channel"]["id"]
    info = await slack_client.users_info(user=ANA, include_locale=True)
    assert info["user"]["locale"] == "pt-BR"
    assert "locale" not in (await slack_client.users_info(user=ANA))["user"]
    refusals = {
        "user_not_found": slack_client.conversations_open(users="U0NOBODY0"),
        "user_disabled": slack_client.conversations_open(users=GONE),
        "cannot_dm_bot": slack_client.conversations_open(users="U0PEERBOT"),
        "channel_not_found": slack_client.chat_postMessage(channel="C0NOWHERE", text="x"),
        "is_archived": slack_client.chat_postMessage(channel=ARCHIVED, text="x"),
        "not_in_channel": slack_client.chat_postMessage(channel=OUTSIDE, text="x"),
        "no_text": slack_client.chat_postMessage(channel=TEAM_CHANNEL, text=""),
        "msg_too_long": slack_client.chat_postMessage(channel=TEAM_CHANNEL, text="x" * 40_001),
        "invalid_blocks": slack_client.chat_postMessage(channel=TEAM_CHANNEL, text="x", blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]),
    }
    for error, call in refusals.items():
        assert (await _error(call)).response["error"] == error
    slack_server.workspace.dm(GONE)  # opened before the account was deactivated: Slack says ok
    assert (await slack_client.chat_postMessage(channel="D" + GONE[1:], text="x"))["ok"]


async def test_files_upload_v2_and_download(slack_server: SlackServer,
                                            slack_client: AsyncWebClient) -> None:
    done = await slack_client.files_upload_v2(channel=TEAM_CHANNEL, content=b"%PDF-1.7 tor",
                                              filename="tor.pdf", title="ToR")
    file_id = done["file"]["id"]
    stored = slack_server.workspace.files[file_id]
    assert stored.content == b"%PDF-1.7 tor" and stored.channels == [TEAM_CHANNEL]
    assert [c.method for c in slack_server.calls] == ["files.getUploadURLExternal",
                                                      "files.completeUploadExternal"]
    assert slack_server.workspace.posted(TEAM_CHANNEL)[-1]["subtype"] == "file_share"
    url = slack_server.workspace.file_json(stored, slack_server.base_url)["url_private"]
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers={
                "Authorization": f"Bearer {slack_server.bot_token}"}) as answer:
            assert await answer.read() == b"%PDF-1.7 tor"
        async with session.get(url) as answer:  # no token: Slack's sign-in page
            assert answer.content_type == "text/html"
    assert slack_server.downloads[0][1] == f"Bearer {slack_server.bot_token}"


async def test_views_are_recorded(slack_server: SlackServer,
                                  slack_client: AsyncWebClient) -> None:
    await slack_client.views_publish(user_id=ANA, view={"type": "home", "blocks": []})
    opened = await slack_client.views_open(trigger_id="123.456.abc", view={
        "type": "modal", "title": {"type": "plain_text", "text": "Peerdesk"}, "blocks": []})
    assert opened["view"]["id"].startswith("V")
    assert [(v["type"], v["_recipient"]) for v in slack_server.workspace.views] == [
        ("home", ANA), ("modal", None)]


async def test_injected_failures(slack_server: SlackServer,
                                 slack_client: AsyncWebClient) -> None:
    slack_server.fail_next("chat.postMessage", status=429, retry_after=7)
    error = await _error(slack_client.chat_postMessage(channel=TEAM_CHANNEL, text="x"))
    assert error.response.status_code == 429 and error.response.headers["Retry-After"] == "7"
    assert error.response["error"] == "ratelimited"
    slack_server.fail_next("chat.postMessage", "ratelimited")
    error = await _error(slack_client.chat_postMessage(channel=TEAM_CHANNEL, text="x"))
    assert error.response.status_code == 200 and error.response["error"] == "ratelimited"
    slack_server.fail_next("chat.postMessage", status=500, channel=TEAM_CHANNEL)
    await slack_client.chat_postMessage(channel=ANA, text="not that channel")
    error = await _error(slack_client.chat_postMessage(channel=TEAM_CHANNEL, text="x"))
    assert error.response.status_code == 500
    slack_server.fail_next("conversations.open", "account_inactive", times=2)
    for _ in range(2):
        await _error(slack_client.conversations_open(users=ANA))
    slack_server.fail_next("chat.postMessage", delay=0.01)
    assert (await slack_client.chat_postMessage(channel=TEAM_CHANNEL, text="late"))["ok"]
    assert not slack_server.failures


async def test_socket_mode_envelopes_and_acks(slack_server: SlackServer) -> None:
    web = AsyncWebClient(base_url=slack_server.api_url)
    client = SocketModeClient(app_token=slack_server.app_token, web_client=web,
                              auto_reconnect_enabled=False)
    received: list[SocketModeRequest] = []

    async def listener(socket: SocketModeClient, request: SocketModeRequest) -> None:
        received.append(request)
        payload = {"text": "ok"} if request.type == "slash_commands" else None
        await socket.send_socket_mode_response(SocketModeResponse(request.envelope_id,
                                                                  payload=payload))

    client.socket_mode_request_listeners.append(listener)
    await client.connect()
    try:
        hub = slack_server.socket_mode
        await hub.wait_connected()
        event = await hub.push_event({"type": "message", "user": ANA, "text": "hello",
                                      "channel": "D0ANA0001", "channel_type": "im",
                                      "ts": "1800000000.000001"})
        command = await hub.push_command("/peerdesk", "help", ANA, "D0ANA0001")
        action = await hub.push_interactive({"type": "block_actions", "user": {"id": ANA},
                                             "actions": [{"value": "review:approve:1"}]})
        assert (await hub.wait_ack(event)) == {"envelope_id": event}
        assert (await hub.wait_ack(command))["payload"] == {"text": "ok"}
        await hub.wait_ack(action)
        assert [r.type for r in received] == ["events_api", "slash_commands", "interactive"]
        assert received[0].payload["event"]["text"] == "hello"
        assert slack_server.calls_to("apps.connections.open")[0].token == slack_server.app_token
    finally:
        await client.close()
        await asyncio.sleep(0)
