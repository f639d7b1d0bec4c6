"""The Slack adapter over Socket Mode with the help desk in a process of its own
(``[storage] desk_process = true``, as the shipped config.toml has it): answered in order,
a retried event handled once, and the worker killed under the adapter replaced with nothing
lost."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from storage.platform_updates import UpdateJournal
from tests.integration.test_desk_process import until_gone
from tests.slack.people import ANA, BRUNO
from tests.slack.running import dm_event, event_callback, eventually, running_slack
from tests.slack.web_api_server import SlackServer

ANA_DM, BRUNO_DM = "D" + ANA[1:], "D" + BRUNO[1:]


async def test_answers_in_order_and_a_retry_once(slack_server: SlackServer,
                                                 slack_client: AsyncWebClient, tmp_path: Path,
                                                 database_url: str) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url,
                             desk_process=True) as (app, adapter):
        assert app.intake.process is not None
        assert await app.intake.process.worker_pid() != os.getpid()
        payload = event_callback(dm_event(BRUNO, "/start"), event_id="Ev0DESKPR001")
        for retry in (0, 1, 2):
            await hub.wait_ack(await hub.push("events_api", payload, retry_attempt=retry))
        for text in ("/help", "/tickets"):
            await hub.wait_ack(await hub.push("events_api",
                                              event_callback(dm_event(BRUNO, text))))
        await adapter.queued()
        await eventually(lambda: len(space.posted(BRUNO_DM)) >= 3)
        texts = [message["text"] for message in space.posted(BRUNO_DM)]
        assert sum("Welcome to peerdesk" in text for text in texts) == 1, texts
        assert "Welcome to peerdesk" in texts[0] and "/peerdesk help — " in texts[1]
        journal = UpdateJournal(app.database.engine, "slack")
        assert await app.database.run(journal.unfinished) == []


async def test_the_help_desk_process_killed_is_replaced(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path,
        database_url: str) -> None:
    hub = slack_server.socket_mode
    space = slack_server.workspace
    async with running_slack(slack_server, slack_client, tmp_path, database_url,
                             desk_process=True) as (app, adapter):
        await hub.wait_ack(await hub.push("events_api", event_callback(dm_event(ANA, "/start"))))
        await eventually(lambda: len(space.posted(ANA_DM)) >= 1)
        process = app.intake.process
        assert process is not None
        pid = await process.worker_pid()
        os.kill(pid, signal.SIGKILL)
        await until_gone(pid)
        await hub.wait_ack(await hub.push("events_api", event_callback(dm_event(ANA, "/help"))))
        await eventually(lambda: len(space.posted(ANA_DM)) >= 2)
        assert "/peerdesk help — " in space.posted(ANA_DM)[-1]["text"]
        assert await process.worker_pid() != pid
        await adapter.queued()
