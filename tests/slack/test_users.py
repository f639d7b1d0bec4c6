"""Slack profiles through slack_sdk against the local Slack: name and locale from users.info,
cached (bounded, with a time to live), and a fallback when users.info fails."""

from __future__ import annotations

import logging

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.users import Profile, SlackProfiles, profile_of, user_ref
from handlers.domain import Language, language_from_locale
from tests.slack.people import ANA, BRUNO
from tests.slack.web_api_server import SlackServer

TEAM = "T0PEERDSK"


class Ticks:
    """A clock moved by hand, in seconds."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_name_and_locale_from_users_info(slack_server: SlackServer,
                                               slack_client: AsyncWebClient) -> None:
    profiles = SlackProfiles(slack_client)
    ref = await profiles.user_ref(TEAM, ANA)
    assert ref.identity == f"slack:{TEAM}/{ANA}" and ref.display_name == "ana"
    assert ref.locale == "pt-BR" and language_from_locale(ref.locale) == Language("pt")
    call = slack_server.calls_to("users.info")[0]
    assert str(call.params["include_locale"]).lower() in ("1", "true")


async def test_cached_until_it_expires(slack_server: SlackServer,
                                       slack_client: AsyncWebClient) -> None:
    ticks = Ticks()
    profiles = SlackProfiles(slack_client, ttl=3600, clock=ticks)
    await profiles.profile(ANA)
    ticks.now = 3599
    await profiles.profile(ANA)
    assert len(slack_server.calls_to("users.info")) == 1
    slack_server.workspace.users[ANA]["profile"]["display_name"] = "Ana Lima"
    ticks.now = 3601
    assert (await profiles.profile(ANA)).name == "Ana Lima"
    assert len(slack_server.calls_to("users.info")) == 2


async def test_cache_is_bounded(slack_server: SlackServer,
                                slack_client: AsyncWebClient) -> None:
    profiles = SlackProfiles(slack_client, max_users=1)
    await profiles.profile(ANA)
    await profiles.profile(BRUNO)
    assert len(profiles) == 1
    await profiles.profile(ANA)  # forgotten: asked again
    assert len(slack_server.calls_to("users.info")) == 3


@pytest.mark.parametrize(("error", "status"), [("ratelimited", 429),
                                               ("user_not_found", 200)])
async def test_failure_falls_back_to_the_id(slack_server: SlackServer,
                                            slack_client: AsyncWebClient, error: str,
                                            status: int,
                                            caplog: pytest.LogCaptureFixture) -> None:
    slack_server.fail_next("users.info", error, status=status, retry_after=1)
    ticks = Ticks()
    profiles = SlackProfiles(slack_client, failure_ttl=60, clock=ticks)
    with caplog.at_level(logging.WARNING, logger="bot.slack.users"):
        ref = await profiles.user_ref(TEAM, ANA)
    assert ref == user_ref(TEAM, ANA, Profile(ANA))
    assert ref.display_name == ANA and ref.locale is None
    assert error in caplog.text
    await profiles.profile(ANA)  # the failure is remembered briefly
    assert len(slack_server.calls_to("users.info")) == 1
    ticks.now = 61
    assert (await profiles.profile(ANA)).locale == "pt-BR"


async def test_network_failure_falls_back(slack_server: SlackServer) -> None:
    await slack_server.stop()
    client = AsyncWebClient(token=slack_server.bot_token, base_url=slack_server.api_url)
    client.retry_handlers = []
    ref = await SlackProfiles(client).user_ref(TEAM, BRUNO)
    assert ref.display_name == BRUNO and ref.locale is None


def test_name_falls_back_from_display_name_to_real_name_to_name() -> None:
    assert profile_of({"id": "U1", "name": "ana", "profile": {"display_name": "",
                                                               "real_name": "Ana Lima"}}
                      ).name == "Ana Lima"
    assert profile_of({"id": "U1", "name": "ana", "profile": {}}).name == "ana"
    assert profile_of({"id": "U1"}) == Profile("U1")
