"""The Socket Mode door (bot/slack/connection.py, SlackAdapter._at_door): a payload the help desk
handles is recorded and acknowledged before bolt dispatches it, and whatever then happens in
bolt, it is handled once or marked done — never left in the journal, never lost."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from storage.platform_updates import UpdateJournal
from tests.slack.people import ANA
from tests.slack.running import dm_event, event_callback, eventually, running_slack
from tests.slack.web_api_server import SlackServer

ANA_DM = "D" + ANA[1:]


async def test_an_event_is_acknowledged_before_bolt_dispatches_it(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (app, adapter):
        dispatch = adapter.bolt.async_dispatch
        bolt_may_go = asyncio.Event()
        dispatched: list[Any] = []

        async def held(req: Any) -> BoltResponse:
            await bolt_may_go.wait()
            dispatched.append(req.body)
            return await dispatch(req)

        monkeypatch.setattr(adapter.bolt, "async_dispatch", held)
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
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (app, adapter):
        adapter.retry.delays = (0.05,)

        async def broken(req: Any) -> BoltResponse:
            raise RuntimeError("bolt broke")

        monkeypatch.setattr(adapter.bolt, "async_dispatch", broken)
        envelope = await hub.push("events_api", event_callback(dm_event(ANA, "/start")))
        await hub.wait_ack(envelope)
        await eventually(lambda: len(space.posted(ANA_DM)) >= 1)
        assert "Boas-vindas ao peerdesk" in space.posted(ANA_DM)[0]["text"]
        await adapter.queued()
        journal = UpdateJournal(app.database.engine, "slack")
        assert await app.database.run(journal.unfinished) == []
