"""The door in front of bolt (bot/slack/door.py), over Socket Mode and HTTP: a payload the help
desk handles is recorded and acknowledged before bolt dispatches it, and whatever then happens
in bolt, it is handled once or marked done — never left in the journal, never lost; over HTTP
only a request whose signature checks out gets past it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.adapter import SlackAdapter
from storage.platform_updates import UpdateJournal
from tests.slack.people import ANA
from tests.slack.running import TEAM, dm_event, event_callback, eventually, running_slack
from tests.slack.signed import command_body, event_body, post, signed_headers
from tests.slack.web_api_server import SlackServer

ANA_DM = "D" + ANA[1:]


def hold_bolt(adapter: SlackAdapter, monkeypatch: pytest.MonkeyPatch,
              ) -> tuple[asyncio.Event, list[Any]]:
    """bolt's dispatch held until the event is set; the payloads it then dispatched."""
    dispatch = adapter.bolt.async_dispatch
    bolt_may_go = asyncio.Event()
    dispatched: list[Any] = []

    async def held(req: Any) -> BoltResponse:
        await bolt_may_go.wait()
        dispatched.append(req.body)
        return await dispatch(req)

    monkeypatch.setattr(adapter.bolt, "async_dispatch", held)
    return bolt_may_go, dispatched


async def test_an_event_is_acknowledged_before_bolt_dispatches_it(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (app, adapter):
        bolt_may_go, dispatched = hold_bolt(adapter, monkeypatch)
        envelopes = [await hub.push("events_api", event_callback(dm_event(ANA, text)))
                     for text in ("/start", "/help", "hello")]
        for envelope in envelopes:
            assert await hub.wait_ack(envelope) == {"envelope_id": envelope}
        journal = UpdateJournal(app.database.engine, "slack")
        assert len(await app.database.run(journal.unfinished)) == 3  # recorded, not handled
        assert dispatched == [] and space.posted(ANA_DM) == []
        bolt_may_go.set()
        await adapter.queued()
        # Through bolt in the order they came, each answered once.
        assert [body["event"]["text"] for body in dispatched] == ["/start", "/help", "hello"]
        await eventually(lambda: len(space.posted(ANA_DM)) >= 3)
        assert await app.database.run(journal.unfinished) == []


async def test_an_admitted_event_no_listener_takes_is_marked_done(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = slack_server.socket_mode
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (app, adapter):
        async def dropped(req: Any) -> BoltResponse:  # as bolt's middleware dropping it
            return BoltResponse(status=404, body="")

        monkeypatch.setattr(adapter.bolt, "async_dispatch", dropped)
        envelope = await hub.push("events_api", event_callback(dm_event(ANA, "/start")))
        await hub.wait_ack(envelope)
        await adapter.queued()
        journal = UpdateJournal(app.database.engine, "slack")
        assert await app.database.run(journal.unfinished) == []
        assert slack_server.workspace.posted(ANA_DM) == []


async def test_an_event_bolt_fails_on_is_handled_by_a_later_try(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (app, adapter):
        adapter.retry.delays = (0.05,)
        failures: list[str] = []

        async def fails_once(next: Callable[[], Awaitable[None]]) -> None:
            if not failures:  # bolt catches this and answers 500: it does not raise
                failures.append("boom")
                raise RuntimeError("a middleware broke")
            await next()

        adapter.bolt.use(fails_once)
        envelope = await hub.push("events_api", event_callback(dm_event(ANA, "/start")))
        await hub.wait_ack(envelope)
        await eventually(lambda: len(space.posted(ANA_DM)) >= 1)
        assert failures == ["boom"]
        assert "Boas-vindas ao peerdesk" in space.posted(ANA_DM)[0]["text"]
        await adapter.queued()
        journal = UpdateJournal(app.database.engine, "slack")
        assert await app.database.run(journal.unfinished) == []


async def test_the_door_keeps_dispatching_when_marking_a_payload_done_fails(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (_a, adapter):
        adapter.retry.delays = (0.05,)
        dispatch = adapter.bolt.async_dispatch
        dropped: list[Any] = []

        async def drops_first(req: Any) -> BoltResponse:
            if not dropped:  # as bolt's middleware dropping it: nobody takes it
                dropped.append(req.body)
                return BoltResponse(status=200, body="")
            return await dispatch(req)

        async def cannot_mark(found: Any) -> None:
            raise OSError("database is locked")

        monkeypatch.setattr(adapter.bolt, "async_dispatch", drops_first)
        monkeypatch.setattr(adapter.door, "done", cannot_mark)
        for text in ("/start", "/help"):
            await hub.wait_ack(await hub.push("events_api", event_callback(dm_event(ANA, text))))
        # The second still goes through bolt; the first is handed to the retries.
        await eventually(lambda: len(space.posted(ANA_DM)) >= 2)
        await adapter.queued()


async def test_over_http_a_signed_event_is_answered_before_bolt_dispatches_it(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str, monkeypatch: pytest.MonkeyPatch,
        session: aiohttp.ClientSession) -> None:
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url,
                             mode="http") as (app, adapter):
        assert adapter.server is not None
        url = f"http://127.0.0.1:{adapter.server.port}/slack/events"
        bolt_may_go, dispatched = hold_bolt(adapter, monkeypatch)
        event = event_body(event_callback(dm_event(ANA, "/start"), event_id="Ev0HTTPDOOR1"))
        form = command_body({
            "token": "x", "team_id": TEAM, "team_domain": "peer", "channel_id": ANA_DM,
            "channel_name": "directmessage", "user_id": ANA, "user_name": "ana",
            "command": "/peerdesk", "text": "help", "api_app_id": "A0PEERAPP",
            "response_url": "http://127.0.0.1:9/commands/1", "trigger_id": "1.2.door"})
        for body, kind in ((event, "application/json"),
                           (form, "application/x-www-form-urlencoded")):
            status, _text = await post(session, url, body,
                                       signed_headers(body, content_type=kind))
            assert status == 200
        journal = UpdateJournal(app.database.engine, "slack")
        unfinished = await app.database.run(journal.unfinished)
        # Recorded before the answer: the event as the JSON text it came as, the command's form.
        assert [payload.get("event", {}).get("text") or payload.get("text")
                for payload in unfinished] == ["/start", "help"]
        assert json.loads(event) == unfinished[0]
        assert dispatched == [] and space.posted(ANA_DM) == []
        # A forged one (the body changed after signing) does not get past the door: bolt refuses.
        forged = event.replace("/start", "/stark").replace("Ev0HTTPDOOR1", "Ev0HTTPDOOR2")
        bolt_may_go.set()
        status, _text = await post(session, url, forged,
                                   signed_headers(event, content_type="application/json"))
        assert status == 401
        await adapter.queued()
        await eventually(lambda: len(space.posted(ANA_DM)) >= 2)
        assert await app.database.run(journal.unfinished) == []
