"""The dispatcher draining the outbox through the real SlackChannel into the local Slack: a 429
holds up only its member, a deactivated member is set aside, and a sent message is found again
from the conversation and ts a reply in its thread carries."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import VirtualClock
from bot.dispatcher import Dispatcher
from bot.pacing import DeliveryLimits, VirtualTimer
from bot.slack.channel import SlackChannel
from handlers.domain import Language
from handlers.ports import OutboxRow
from storage.database import Database
from storage.delivery import Reachability
from storage.outbox import OutboxQueue
from storage.uow import SqlUnitOfWork
from tests.slack.people import ANA, BRUNO, GONE, local_slack
from tests.slack.web_api_server import SlackServer

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _queue(database: Database, messages: list[tuple[str, str]]) -> None:
    """Queue (Slack user id, text) to each member's DM, in order."""
    with SqlUnitOfWork(database.engine) as uow:
        members: dict[str, int] = {}
        for user, _ in messages:
            identity = f"slack:T0PEERDSK/{user}"
            if user not in members:
                known = uow.members.by_identity(identity)
                members[user] = (known or uow.members.add(user, identity, Language.PT, "UTC",
                                                          START)).id
        uow.outbox.add([OutboxRow(members[user], f"slack:T0PEERDSK/{user}", None, Language.PT,
                                  text, [], None, None, START) for user, text in messages])
        uow.commit()


async def test_slack_through_the_dispatcher(database: Database) -> None:
    async with local_slack() as (slack_server, slack_client):
        await _drain(database, slack_server, slack_client)


async def _drain(database: Database, slack_server: SlackServer,
                 slack_client: AsyncWebClient) -> None:
    _queue(database, [(ANA, "a1"), (BRUNO, "b1"), (ANA, "a2"), (GONE, "g1")])
    ana_dm = "D" + ANA[1:]
    slack_server.fail_next("chat.postMessage", status=429, retry_after=30, channel=ana_dm)
    clock, timer = VirtualClock(START), VirtualTimer()
    sender = Dispatcher(database, OutboxQueue(database.engine),
                        {"slack": SlackChannel(slack_client, part_pause=0)}, clock,
                        limits={"slack": DeliveryLimits(in_flight=4)}, timer=timer,
                        longest_wait=120)
    assert await sender.drain() == 3  # Ana's wait of 30 s is within longest_wait
    assert slack_server.texts_in(ana_dm) == ["a1", "a2"]
    assert slack_server.texts_in("D" + BRUNO[1:]) == ["b1"]
    assert Reachability(database.engine).unreachable() == [f"slack:T0PEERDSK/{GONE}"]
    (posted,) = slack_server.workspace.posted("D" + BRUNO[1:])
    with SqlUnitOfWork(database.engine) as uow:
        assert uow.outbox.find_sent("slack", "D" + BRUNO[1:], posted["ts"]) is not None
