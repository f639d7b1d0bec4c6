"""A message that continues another one's conversation (an answer to a reviewer, under their
review card) goes in that message's thread on Slack, files too; on its own when that message is
gone; and a chat that names a thread itself keeps it."""

from __future__ import annotations

from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.channel import SlackChannel
from handlers.messages import Attachment
from storage.outbox import QueuedMessage
from tests.slack.people import ANA, TEAM_CHANNEL
from tests.slack.web_api_server import SlackServer

ANA_DM = "D" + ANA[1:]


def _message(number: int, text: str, thread: str | None = None, chat: str | None = None,
             attachments: list[Attachment] | None = None) -> QueuedMessage:
    return QueuedMessage(number, 1, f"slack:T0PEERDSK/{ANA}", "slack", chat, "pt", text, [],
                         0, attachments or [], thread=thread)


async def test_an_answer_goes_in_the_cards_thread(slack_server: SlackServer,
                                                  slack_client: AsyncWebClient,
                                                  tmp_path: Path) -> None:
    channel = SlackChannel(slack_client, part_pause=0)
    card = await channel.send(_message(1, "Revisão de D1 v1"))
    notes = tmp_path / "notas.pdf"
    notes.write_bytes(b"%PDF-1.7 notas")
    answer = await channel.send(_message(2, "Diego responde sobre D1 v1", thread=card.message_id,
                                         attachments=[Attachment("notas.pdf", 14, "pdf",
                                                                 str(notes))]))
    posted = slack_server.workspace.posted(ANA_DM)
    assert [m.get("thread_ts") for m in posted] == [None, card.message_id, card.message_id]
    assert posted[2]["files"][0]["name"] == "notas.pdf"
    # Where it landed is the reply itself (a reply in that thread still finds the card).
    assert (answer.chat_id, answer.message_id) == (ANA_DM, posted[1]["ts"])


async def test_an_answer_to_a_card_that_is_gone_goes_on_its_own(
        slack_server: SlackServer, slack_client: AsyncWebClient) -> None:
    channel = SlackChannel(slack_client, part_pause=0)
    await channel.send(_message(1, "Diego responde sobre D1 v1", thread="1700000000.000001"))
    (posted,) = slack_server.workspace.posted(ANA_DM)
    assert "thread_ts" not in posted and posted["text"] == "Diego responde sobre D1 v1"


async def test_a_chat_naming_a_thread_keeps_it(slack_server: SlackServer,
                                               slack_client: AsyncWebClient) -> None:
    channel = SlackChannel(slack_client, part_pause=0)
    root = await channel.send(_message(1, "Notícia da equipe", chat=TEAM_CHANNEL))
    other = await channel.send(_message(2, "Outra", chat=TEAM_CHANNEL))
    await channel.send(_message(3, "Resposta", chat=f"{TEAM_CHANNEL}:{root.message_id}",
                                thread=other.message_id))
    assert slack_server.workspace.posted(TEAM_CHANNEL)[-1]["thread_ts"] == root.message_id
