"""The Slack adapter over Socket Mode, end to end: slack-bolt's AsyncApp and slack_sdk's
Socket Mode client connected to the local Slack's WebSocket (reached through a local
apps.connections.open), the help desk answering through the outbox, the dispatcher and the
Web API — a first /start in Portuguese, a button, a slash command typed in a channel, a retried
event handled once, a reconnect, and an event left unfinished by a crash handled at the next
start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.inbound import receipt_number
from handlers.messages import Inbound
from storage.platform_updates import UpdateJournal
from tests.slack.people import ANA, BRUNO, OUTSIDE, TEAM_CHANNEL
from tests.slack.running import (
    button_press,
    buttons_of,
    dm_event,
    event_callback,
    eventually,
    running_slack,
    submitted,
)
from tests.slack.web_api_server import SlackServer

ANA_DM, BRUNO_DM = "D" + ANA[1:], "D" + BRUNO[1:]


async def test_a_first_minute_on_slack(slack_server: SlackServer, slack_client: AsyncWebClient,
                                       tmp_path: Path, database_url: str) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url):
        envelope = await hub.push("events_api", event_callback(dm_event(ANA, "/start")))
        assert await hub.wait_ack(envelope) == {"envelope_id": envelope}
        await eventually(lambda: len(space.posted(ANA_DM)) >= 1)
        greeting = space.posted(ANA_DM)[0]
        assert "Boas-vindas ao peerdesk" in greeting["text"]  # her Slack locale is pt-BR
        assert "lang:pt" in buttons_of(greeting)
        # A button press: acknowledged, handled, and answered in her language.
        press = await hub.push_interactive(button_press(ANA, ANA_DM, greeting["ts"], "lang:pt"))
        await hub.wait_ack(press)
        await eventually(lambda: len(space.posted(ANA_DM)) >= 2)
        # A slash command typed in a channel: answered in the direct messages, not there.
        command = await hub.push_command("/peerdesk", "help", ANA, TEAM_CHANNEL)
        await hub.wait_ack(command)
        before = len(space.posted(ANA_DM))
        await eventually(lambda: len(space.posted(ANA_DM)) > before)
        assert "/peerdesk help — " in space.posted(ANA_DM)[-1]["text"]  # as typed in Slack
        assert space.posted(TEAM_CHANNEL) == []


async def test_a_retried_event_is_handled_once(slack_server: SlackServer,
                                               slack_client: AsyncWebClient, tmp_path: Path,
                                               database_url: str) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (_a, adapter):
        payload = event_callback(dm_event(BRUNO, "/start"), event_id="Ev0RETRY0001")
        first = await hub.push("events_api", payload)
        again = await hub.push("events_api", payload, retry_attempt=1)
        third = await hub.push("events_api", payload, retry_attempt=2)
        for envelope in (first, again, third):
            await hub.wait_ack(envelope)  # each delivery is acknowledged
        await eventually(lambda: len(space.posted(BRUNO_DM)) >= 1)
        await adapter.queued()
        other = await hub.push("events_api", event_callback(dm_event(BRUNO, "/help")))
        await hub.wait_ack(other)
        await eventually(lambda: len(space.posted(BRUNO_DM)) >= 2)
        texts = [message["text"] for message in space.posted(BRUNO_DM)]
        assert sum("Welcome to peerdesk" in text for text in texts) == 1, texts


async def test_reconnects_after_slack_says_disconnect(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    caplog.set_level(logging.INFO)
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (_a, adapter):
        assert adapter.healthy
        opened = len(slack_server.calls_to("apps.connections.open"))
        await hub.disconnect()  # as Slack does every few hours
        await eventually(lambda: len(slack_server.calls_to("apps.connections.open")) > opened
                         and len(hub.sockets) >= 1)
        envelope = await hub.push("events_api", event_callback(dm_event(ANA, "/start")))
        await hub.wait_ack(envelope)
        await eventually(lambda: len(space.posted(ANA_DM)) >= 1)
        assert adapter.healthy
    assert any(record.name == "peerdesk.slack.socket" for record in caplog.records)


async def test_the_health_check_notices_a_dead_connection(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (_a, adapter):
        link = adapter.link
        assert link is not None
        client = link.handler.client
        client.auto_reconnect_enabled = False  # the SDK's own reconnection is stuck
        await client.disconnect()
        assert not await link.check()
        assert "the Socket Mode connection is down" in caplog.text
        assert not adapter.healthy
        client.auto_reconnect_enabled = True
        await link.check()  # still down at the second check: a new connection is forced
        assert "still down; opening a new one" in caplog.text
        await eventually(lambda: bool(slack_server.socket_mode.sockets))
        assert await link.check()
        assert adapter.healthy
        assert "connected again" in caplog.text


async def test_an_event_left_unfinished_is_handled_at_the_next_start(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str) -> None:
    space = slack_server.workspace
    payload = event_callback(dm_event(ANA, "/start"), event_id="Ev0CRASHED01")
    async with running_slack(slack_server, slack_client, tmp_path, database_url,
                             start=False) as (app, adapter):
        # Recorded, then the process died before handling it.
        journal = UpdateJournal(app.database.engine, "slack")
        number = receipt_number("event:Ev0CRASHED01")
        await app.database.run(lambda: journal.record(number, payload,
                                                      datetime.now(UTC)))
        await adapter.start()
        await eventually(lambda: len(space.posted(ANA_DM)) >= 1)
        await adapter.queued()
        assert await app.database.run(journal.unfinished) == []
        # Slack's retry of it, arriving after the restart, is ignored.
        envelope = await slack_server.socket_mode.push("events_api", payload, retry_attempt=1)
        await slack_server.socket_mode.wait_ack(envelope)
        await adapter.queued()
    assert len(space.posted(ANA_DM)) == 1


async def test_an_event_the_journal_cannot_record_is_not_acknowledged(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = slack_server.socket_mode
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (_a, adapter):
        tried: list[object] = []

        def broken(*args: object) -> set[int]:
            tried.append(args)
            raise OSError("disk full")

        monkeypatch.setattr(adapter.journal, "record_many", broken)
        envelope = await hub.push("events_api", event_callback(dm_event(ANA, "/start")))
        await eventually(lambda: len(tried) >= 1)
        accepted = await adapter.accept(event_callback(dm_event(ANA, "/help")))
        assert accepted is False and len(tried) == 2
        await adapter.queued()
        # bolt's answer to the first went out (or not) before the second was tried.
        assert envelope not in hub.acks  # Slack will send it again
        assert slack_server.workspace.posted(ANA_DM) == []


async def test_opening_the_home_tab_publishes_it(slack_server: SlackServer,
                                                 slack_client: AsyncWebClient, tmp_path: Path,
                                                 database_url: str) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url):
        opened = {"type": "app_home_opened", "user": ANA, "channel": ANA_DM, "tab": "home",
                  "event_ts": "1800000001.000100"}
        envelope = await hub.push("events_api", event_callback(opened))
        await hub.wait_ack(envelope)
        await eventually(lambda: bool(space.views))
        view = space.views[-1]
        assert view["type"] == "home" and view["_recipient"] == ANA
        assert "Boas-vindas ao peerdesk" in str(view["blocks"])  # her Slack locale: pt-BR
        assert "Português" in str(view["blocks"])  # a newcomer: the languages as buttons
        # The Messages tab opened: nothing to publish.
        messages = {**opened, "tab": "messages", "event_ts": "1800000002.000100"}
        await hub.wait_ack(await hub.push("events_api", event_callback(messages)))
        assert len(space.views) == 1


async def test_a_guided_command_opens_its_modal_and_the_submission_is_answered(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (_a, adapter):
        await hub.wait_ack(await hub.push("events_api", event_callback(dm_event(ANA, "/start"))))
        await eventually(lambda: len(space.posted(ANA_DM)) >= 1)
        await adapter.queued()
        command = await hub.push_command("/peerdesk", "newteam", ANA, ANA_DM)
        await hub.wait_ack(command)
        await eventually(lambda: bool(space.views))
        view = space.views[-1]
        assert view["type"] == "modal" and view["callback_id"] == "peerdesk:form:newteam"
        assert "Nome da equipe" in str(view["blocks"])  # in her language
        before = len(space.posted(ANA_DM))

        refused = await hub.wait_ack(await hub.push_interactive(new_team(view, "R")))
        assert refused["payload"]["response_action"] == "errors"
        assert set(refused["payload"]["errors"]) == {"name"}
        taken = await hub.wait_ack(await hub.push_interactive(new_team(view, "Rios")))
        assert "payload" not in taken  # the modal closes
        await eventually(lambda: len(space.posted(ANA_DM)) > before)
        assert "Rios" in space.posted(ANA_DM)[-1]["text"]


async def test_a_payload_whose_handling_failed_is_tried_again_without_a_restart(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (app, adapter):
        adapter.retry.delays = (0.05, 0.05)
        hand_over = app.hand_over
        failures: list[str] = []

        async def failed(inbounds: Sequence[Inbound]) -> list[BaseException | None]:
            return [OSError("database is locked") for _inbound in inbounds]

        def flaky(inbounds: Sequence[Inbound]) -> Awaitable[list[BaseException | None]]:
            if not failures:
                failures.extend(inbound.text for inbound in inbounds)
                return failed(inbounds)
            return hand_over(inbounds)

        monkeypatch.setattr(app, "hand_over", flaky)
        payload = event_callback(dm_event(ANA, "/start"), event_id="Ev0FLAKY0001")
        await hub.wait_ack(await hub.push("events_api", payload))
        # Slack's retry meanwhile is a repeat: acknowledged, ignored.
        await hub.wait_ack(await hub.push("events_api", payload, retry_attempt=1))
        await eventually(lambda: len(space.posted(ANA_DM)) >= 1)
        assert failures == ["/start"]
        await adapter.queued()
        journal = UpdateJournal(app.database.engine, "slack")
        assert await app.database.run(journal.unfinished) == []
    assert len(space.posted(ANA_DM)) == 1


async def test_a_slow_submission_says_so_in_the_modal_then_shows_its_outcome(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    monkeypatch.setattr("bot.slack.surfaces.SUBMIT_SECONDS", 0.1)
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (app, adapter):
        await hub.wait_ack(await hub.push("events_api", event_callback(dm_event(ANA, "/start"))))
        await eventually(lambda: len(space.posted(ANA_DM)) >= 1)
        await adapter.queued()
        await hub.wait_ack(await hub.push_command("/peerdesk", "newteam", ANA, ANA_DM))
        await eventually(lambda: bool(space.views))
        view = space.views[-1]
        submit_form = app.submit_form

        async def slow(identity: str, command: str, values: Mapping[str, str]) -> dict[str, str]:
            await asyncio.sleep(0.4)  # the database busy for longer than Slack waits
            return await submit_form(identity, command, values)

        monkeypatch.setattr(app, "submit_form", slow)

        # Refused, slowly: "saving…" (no submit button), then the form again, values kept,
        # the refusal under its field.
        ack = await hub.wait_ack(await hub.push_interactive(new_team(view, "R")))
        working = ack["payload"]
        assert working["response_action"] == "update"
        assert "Salvando…" in str(working["view"]) and "submit" not in working["view"]
        await eventually(lambda: len(slack_server.calls_to("views.update")) == 1)
        again = space.views[-1]
        assert again["id"] == view["id"] and "submit" in again
        assert "Nada foi salvo" in str(again["blocks"])
        name = next(b for b in again["blocks"] if b.get("block_id") == "name")
        assert name["element"]["initial_value"] == "R"
        assert any(b["type"] == "context" and "⚠️" in str(b) for b in again["blocks"])
        # Taken, slowly: "saving…", then done; the team exists.
        await hub.wait_ack(await hub.push_interactive(new_team(view, "Rios")))
        await eventually(lambda: len(slack_server.calls_to("views.update")) == 2)
        assert "Pronto." in str(space.views[-1]["blocks"])
        await eventually(lambda: any("Rios" in m["text"] for m in space.posted(ANA_DM)))


async def test_linkgroup_where_the_bot_is_not_is_answered_in_the_direct_messages(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (_a, adapter):
        await hub.wait_ack(await hub.push("events_api", event_callback(dm_event(ANA, "/start"))))
        await eventually(lambda: len(space.posted(ANA_DM)) >= 1)
        await adapter.queued()
        before = len(space.posted(ANA_DM))
        await hub.wait_ack(await hub.push_command("/peerdesk", "linkgroup", ANA, OUTSIDE))
        await eventually(lambda: len(space.posted(ANA_DM)) > before)
        assert "/peerdesk linkgroup" in space.posted(ANA_DM)[-1]["text"]  # "add me first"
        assert space.posted(OUTSIDE) == []
        assert slack_server.calls_to("conversations.info")


async def test_a_burst_at_start_costs_one_auth_test(slack_server: SlackServer,
                                                    slack_client: AsyncWebClient,
                                                    tmp_path: Path, database_url: str) -> None:
    hub = slack_server.socket_mode
    async with running_slack(slack_server, slack_client, tmp_path, database_url) as (_a, adapter):
        envelopes = [await hub.push("events_api", event_callback(dm_event(user, "/help")))
                     for user in (ANA, BRUNO) * 10]
        for envelope in envelopes:
            await hub.wait_ack(envelope)
        await adapter.queued()
    assert len(slack_server.calls_to("auth.test")) == 1  # peerdesk's own, at start


def new_team(view: dict[str, Any], name: str) -> dict[str, object]:
    """Ana's view_submission of the new-team modal ``view``, naming the team ``name``."""
    filled = submitted(view, {"name": name, "topic": "Saneamento", "region": "region:southern"})
    return {"type": "view_submission", "team": {"id": "T0PEERDSK"},
            "user": {"id": ANA, "team_id": "T0PEERDSK", "name": "ana"},
            "api_app_id": "A0PEERAPP", "trigger_id": "1.2.submit", "view": filled}
