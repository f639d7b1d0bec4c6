"""Readying a Slack payload for the help desk (bot/slack/prepare.py) against the local Slack:
without a call to Slack when nothing needs one (the common case, kept cheap), with one when a
profile, a file or a channel must be looked up — the same result either way."""

from __future__ import annotations

from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.files import SlackFiles
from bot.slack.inbound import BotIdentity, incoming
from bot.slack.prepare import Preparation
from bot.slack.users import SlackProfiles
from tests.slack.people import ANA, TEAM_CHANNEL
from tests.slack.running import TEAM, dm_event, event_callback
from tests.slack.web_api_server import SlackServer

BOT = BotIdentity("UBOT", "BBOT", TEAM)


def command(text: str, channel: str) -> dict[str, object]:
    return {"command": "/peerdesk", "text": text, "user_id": ANA, "team_id": TEAM,
            "channel_id": channel, "trigger_id": f"T{abs(hash((text, channel)))}",
            "response_url": "http://127.0.0.1:9/respond", "user_name": "ana"}


async def test_a_message_is_ready_without_slack_once_its_author_is_known(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path) -> None:
    preparation = Preparation(slack_client, SlackProfiles(slack_client),
                              SlackFiles(slack_client, tmp_path, 1_000_000))
    found = incoming(event_callback(dm_event(ANA, "hello")), BOT)
    assert found is not None
    assert preparation.ready_now(found) is None  # her profile: not looked up yet
    looked_up = await preparation.ready(found)
    assert looked_up.sender.locale == "pt-BR"
    calls = len(slack_server.calls_to("users.info"))
    assert preparation.ready_now(found) == looked_up  # now without a call
    assert len(slack_server.calls_to("users.info")) == calls


async def test_commands_are_answered_in_the_dms_unless_they_may_act_on_their_channel(
        slack_server: SlackServer, slack_client: AsyncWebClient, tmp_path: Path) -> None:
    preparation = Preparation(slack_client, SlackProfiles(slack_client),
                              SlackFiles(slack_client, tmp_path, 1_000_000))
    help_in_channel = incoming(command("help", TEAM_CHANNEL), BOT)
    link_in_channel = incoming(command("linkgroup", TEAM_CHANNEL), BOT)
    assert help_in_channel is not None and link_in_channel is not None
    await preparation.ready(help_in_channel)  # her profile remembered from here on
    ready = preparation.ready_now(help_in_channel)
    assert ready is not None and ready.chat.is_private and ready.chat.chat_id == ""
    # linkgroup typed in a channel: whether the bot is in it is Slack's to say.
    assert preparation.ready_now(link_in_channel) is None
    asked = len(slack_server.calls_to("conversations.info"))
    await preparation.ready(link_in_channel)
    assert len(slack_server.calls_to("conversations.info")) == asked + 1
