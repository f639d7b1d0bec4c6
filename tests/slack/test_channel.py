"""The Slack channel through slack_sdk against the local Slack: DMs opened once, text in
escaped sections with buttons as Block Kit actions, long texts in several messages, files
uploaded, buttons taken off, thread replies, and Slack's refusals as the failure kinds."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.dispatcher import PermanentFailure, RetryLater, Unreachable
from bot.slack.channel import SlackChannel
from handlers.messages import Attachment
from storage.outbox import QueuedMessage
from tests.slack.people import ANA, ARCHIVED, GONE, OUTSIDE, TEAM_CHANNEL
from tests.slack.web_api_server import SlackServer

ANA_DM = "D" + ANA[1:]


def _message(text: str, chat: str | None = None, user: str = ANA, number: int = 1,
             buttons: list[list[tuple[str, str]]] | None = None,
             attachments: list[Attachment] | None = None,
             closes: str | None = None, closes_text: str | None = None) -> QueuedMessage:
    return QueuedMessage(number, 1, f"slack:T0PEERDSK/{user}", "slack", chat, "pt", text,
                         buttons or [], 0, attachments or [], closes, closes_text=closes_text)


async def test_text_with_buttons_to_a_dm(slack_server: SlackServer,
                                         slack_client: AsyncWebClient) -> None:
    channel = SlackChannel(slack_client, part_pause=0)
    delivery = await channel.send(_message("Revisão de D1 v1 <!channel>", buttons=[
        [("Aprovar", "review:approve:1"), ("Pedir alterações", "review:changes:1")]]))
    await channel.send(_message("De novo"))
    assert len(slack_server.calls_to("conversations.open")) == 1
    first, _ = slack_server.workspace.posted(ANA_DM)
    assert delivery.chat_id == ANA_DM and delivery.message_id == first["ts"]
    assert first["text"] == "Revisão de D1 v1 &lt;!channel&gt;"
    section, row = first["blocks"]
    assert section["text"]["text"] == first["text"]
    assert [(b["value"], b["action_id"], b["text"]["text"]) for b in row["elements"]] == [
        ("review:approve:1", "peerdesk:0:0", "Aprovar"),
        ("review:changes:1", "peerdesk:0:1", "Pedir alterações")]
    assert not channel.is_group(ANA_DM) and channel.is_group(TEAM_CHANNEL)
    assert channel.is_group("G0PRIVATE")


async def test_long_text_in_several_messages_buttons_on_the_last(
        slack_server: SlackServer, slack_client: AsyncWebClient) -> None:
    channel = SlackChannel(slack_client, part_pause=0)
    long = ("Parágrafo com uma frase. " * 120 + "\n\n") * 3
    delivery = await channel.send(_message(long, chat=TEAM_CHANNEL,
                                           buttons=[[("OK", "ok:1")]]))
    posted = slack_server.workspace.posted(TEAM_CHANNEL)
    assert len(posted) == 3 and all(len(m["text"]) <= 4_000 for m in posted)
    assert [m["blocks"][-1]["type"] for m in posted] == ["section", "section", "actions"]
    assert (delivery.chat_id, delivery.message_id) == (TEAM_CHANNEL, posted[-1]["ts"])


async def test_a_file_is_uploaded(slack_server: SlackServer, slack_client: AsyncWebClient,
                                  tmp_path: Path) -> None:
    path = tmp_path / "abc"
    path.write_bytes(b"%PDF-1.7 tor")
    channel = SlackChannel(slack_client, part_pause=0)
    file = Attachment("tor.pdf", 12, "application/pdf", str(path))
    delivery = await channel.send(_message("D1 v1", attachments=[file]))
    (stored,) = slack_server.workspace.files.values()
    assert stored.content == b"%PDF-1.7 tor" and stored.name == "tor.pdf"
    assert stored.channels == [ANA_DM]
    text, shared = slack_server.workspace.posted(ANA_DM)
    assert delivery.message_id == text["ts"] and shared["subtype"] == "file_share"
    only_file = await channel.send(_message("", attachments=[file], number=2))
    assert only_file.message_id.startswith("F") and len(slack_server.workspace.files) == 2


async def test_thread_replies_and_buttons_taken_off(slack_server: SlackServer,
                                                    slack_client: AsyncWebClient) -> None:
    channel = SlackChannel(slack_client, part_pause=0)
    card = await channel.send(_message("Card *1*", chat=TEAM_CHANNEL,
                                       buttons=[[("Sim", "y:1")]]))
    reply = await channel.send(_message("Aprovado", chat=f"{TEAM_CHANNEL}:{card.message_id}",
                                        closes=card.message_id, closes_text="Card *1*",
                                        number=2))
    root, answer = slack_server.workspace.posted(TEAM_CHANNEL)
    assert answer["thread_ts"] == card.message_id and reply.chat_id == TEAM_CHANNEL
    assert reply.message_id == answer["ts"]
    assert [b["type"] for b in root["blocks"]] == ["section"] and root["text"] == "Card *1*"
    assert root["blocks"][0]["text"]["text"] == "Card *1*"
    # A card inside a thread, several messages long: its last message holds the buttons, and
    # its text is rebuilt from the outbox's (conversations.history does not find it there).
    long = "Parágrafo com uma frase. " * 200
    inner = await channel.send(_message(long, chat=f"{TEAM_CHANNEL}:{card.message_id}",
                                        buttons=[[("Sim", "y:2")]], number=3))
    before = next(m for m in slack_server.workspace.posted(TEAM_CHANNEL)
                  if m["ts"] == inner.message_id)
    assert before["blocks"][-1]["type"] == "actions" and len(before["text"]) < len(long)
    await channel.send(_message("Ok", chat=TEAM_CHANNEL, closes=inner.message_id,
                                closes_text=long, number=4))
    shown = slack_server.workspace.conversations[TEAM_CHANNEL].message(inner.message_id)
    assert shown is not None and shown["thread_ts"] == card.message_id
    assert shown["text"] == before["text"]
    assert shown["blocks"] == before["blocks"][:-1]
    assert not slack_server.calls_to("conversations.history")
    # The outbox has no copy (sent before it kept one): read back with conversations.history.
    card = await channel.send(_message("Card 2", chat=TEAM_CHANNEL, buttons=[[("Sim", "y")]]))
    restarted = SlackChannel(slack_client, part_pause=0)
    await restarted.send(_message("Done", chat=TEAM_CHANNEL, closes=card.message_id, number=5))
    shown = slack_server.workspace.conversations[TEAM_CHANNEL].message(card.message_id)
    assert shown is not None and [b["type"] for b in shown["blocks"]] == ["section"]
    assert shown["text"] == "Card 2"
    # Unknown, or refused: only logged, the answer stands.
    await restarted.send(_message("Again", chat=TEAM_CHANNEL, closes="1.2", number=6))
    card = await channel.send(_message("Card 3", chat=TEAM_CHANNEL, buttons=[[("Sim", "y")]]))
    slack_server.fail_next("chat.update", "message_not_found")
    done = await channel.send(_message("Done", chat=TEAM_CHANNEL, closes=card.message_id,
                                       closes_text="Card 3", number=7))
    assert done.chat_id == TEAM_CHANNEL
    assert len(slack_server.calls_to("chat.update")) == 4
    assert len(slack_server.calls_to("conversations.history")) == 2


@pytest.mark.parametrize(("method", "error", "chat", "kind"), [
    ("chat.postMessage", "channel_not_found", TEAM_CHANNEL, PermanentFailure),
    ("chat.postMessage", "not_in_channel", TEAM_CHANNEL, PermanentFailure),
    ("chat.postMessage", "is_archived", TEAM_CHANNEL, PermanentFailure),
    ("chat.postMessage", "invalid_blocks", TEAM_CHANNEL, PermanentFailure),
    ("chat.postMessage", "msg_too_long", TEAM_CHANNEL, PermanentFailure),
    ("chat.postMessage", "is_archived", None, Unreachable),
    ("conversations.open", "user_not_found", None, Unreachable),
    ("conversations.open", "cannot_dm_bot", None, Unreachable),
    ("chat.postMessage", "ratelimited", TEAM_CHANNEL, RetryLater),
    ("chat.postMessage", "account_inactive", TEAM_CHANNEL, SlackApiError),
    ("chat.postMessage", "invalid_auth", TEAM_CHANNEL, SlackApiError),
])
async def test_refusals_become_failure_kinds(slack_server: SlackServer,
                                             slack_client: AsyncWebClient, method: str,
                                             error: str, chat: str | None,
                                             kind: type[Exception]) -> None:
    slack_server.fail_next(method, error)
    with pytest.raises(kind):
        await SlackChannel(slack_client).send(_message("x", chat=chat))


async def test_real_refusals_of_the_local_slack(slack_server: SlackServer,
                                                slack_client: AsyncWebClient) -> None:
    channel = SlackChannel(slack_client)
    for chat, kind in ((ARCHIVED, PermanentFailure), (OUTSIDE, PermanentFailure),
                       ("C0NOWHERE", PermanentFailure)):
        with pytest.raises(kind):
            await channel.send(_message("x", chat=chat))
    with pytest.raises(Unreachable):
        await channel.send(_message("x", user=GONE))
    with pytest.raises(PermanentFailure):  # over Slack's 2,000 characters: never sent
        await channel.send(_message("x", chat=TEAM_CHANNEL, buttons=[[("B", "v" * 2_001)]]))


async def test_429_waits_as_told_and_5xx_is_retried(slack_server: SlackServer,
                                                    slack_client: AsyncWebClient) -> None:
    channel = SlackChannel(slack_client)
    slack_server.fail_next("chat.postMessage", status=429, retry_after=17)
    with pytest.raises(RetryLater) as waited:
        await channel.send(_message("x", chat=TEAM_CHANNEL))
    assert waited.value.retry_after_seconds == 17
    slack_server.fail_next("chat.postMessage", status=503)
    with pytest.raises(SlackApiError):
        await channel.send(_message("x", chat=TEAM_CHANNEL))
    assert (await channel.send(_message("x", chat=TEAM_CHANNEL))).chat_id == TEAM_CHANNEL


async def test_a_message_failing_part_way_resumes(slack_server: SlackServer,
                                                  slack_client: AsyncWebClient,
                                                  tmp_path: Path) -> None:
    path = tmp_path / "abc"
    path.write_bytes(b"bytes")
    channel = SlackChannel(slack_client, part_pause=0)
    message = _message("Texto", chat=TEAM_CHANNEL,
                       attachments=[Attachment("a.txt", 5, "text/plain", str(path))])
    slack_server.fail_next("files.getUploadURLExternal", status=429, retry_after=2)
    with pytest.raises(RetryLater):
        await channel.send(message)
    delivery = await channel.send(message)
    assert slack_server.texts_in(TEAM_CHANNEL) == ["Texto", ""]
    assert delivery.message_id == slack_server.workspace.posted(TEAM_CHANNEL)[0]["ts"]


async def test_a_timeout_is_left_to_the_dispatchers_back_off(
        slack_server: SlackServer) -> None:
    impatient = AsyncWebClient(token=slack_server.bot_token, base_url=slack_server.api_url,
                               timeout=0.05)  # type: ignore[arg-type]
    slack_server.fail_next("chat.postMessage", delay=0.5)
    with pytest.raises(Exception) as caught:
        await SlackChannel(impatient).send(_message("x", chat=TEAM_CHANNEL))
    assert isinstance(caught.value, TimeoutError)
