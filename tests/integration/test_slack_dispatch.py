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


async def test_an_answer_takes_the_buttons_off_with_the_text_the_outbox_sent(
        database: Database) -> None:
    """The pressed message's text comes from its outbox row, also after a restart and for a
    card inside a thread (which conversations.history would not find)."""
    async with local_slack() as (slack_server, slack_client):
        ana_dm = str((await slack_client.conversations_open(users=ANA))["channel"]["id"])
        with SqlUnitOfWork(database.engine) as uow:
            ana = uow.members.add("Ana", f"slack:T0PEERDSK/{ANA}", Language.PT, "UTC", START)
            uow.commit()
        root = await slack_client.chat_postMessage(channel=ana_dm, text="Root")
        card_text = "Revisão de *D1* <v1> & notas"

        def queue(chat: str, text: str, buttons: list[list[tuple[str, str]]],
                  closes: str | None = None) -> None:
            with SqlUnitOfWork(database.engine) as uow:
                uow.outbox.add([OutboxRow(ana.id, ana.identity, chat, Language.PT, text,
                                          buttons, None, None, START, closes=closes)])
                uow.commit()

        def sender() -> Dispatcher:  # a new one each time: as after a restart
            return Dispatcher(database, OutboxQueue(database.engine),
                              {"slack": SlackChannel(slack_client, part_pause=0)},
                              VirtualClock(START), timer=VirtualTimer())

        for chat in (ana_dm, f"{ana_dm}:{root['ts']}"):
            queue(chat, card_text, [[("Aprovar", "review:approve:1")]])
            assert await sender().drain() == 1
            card = slack_server.workspace.posted(ana_dm)[-1]
            assert card["blocks"][-1]["type"] == "actions"
            queue(chat, "Aprovado", [], closes=card["ts"])
            assert await sender().drain() == 1
            shown = slack_server.workspace.conversations[ana_dm].message(card["ts"])
            assert shown is not None and shown["text"] == card["text"]
            assert shown["blocks"] == card["blocks"][:-1]
        assert len(slack_server.calls_to("chat.update")) == 2
        assert not slack_server.calls_to("conversations.history")
