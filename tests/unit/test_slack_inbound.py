"""Slack payloads (shaped as in Slack's documentation, as slack-bolt hands them over) as the
core's inbound messages: who, where, text, threads, buttons, commands, files, what is ignored,
and the key each is journaled by."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bot.slack.inbound import (
    BotIdentity,
    SlackFile,
    delivery_key,
    incoming,
    readable,
    receipt_number,
)
from handlers.messages import Attachment, ChatEvent, ChatRef

BOT = BotIdentity(user_id="UBOT00001", bot_id="B0BOT0001")
PAYLOADS = Path(__file__).parent / "slack_payloads"


def payload(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text("utf-8"))
    return loaded


def test_a_direct_message() -> None:
    found = incoming(payload("dm_message"), BOT)
    assert found is not None and found.key == "event:Ev0PV52K25" and found.file is None
    inbound = found.inbound
    assert inbound.sender.identity == "slack:T061EG9R6/U061F7AUR"
    assert inbound.sender.platform == "slack"
    assert inbound.chat == ChatRef("slack", "D0PNCRP9N", is_private=True)
    assert inbound.text == ("Can someone help with the <budget> sheet? Ask @U0G9QF9C6 & "
                            "#general")
    assert inbound.message_id == "1700000001.000200" and inbound.reply_to is None
    assert inbound.addressed and inbound.receipt == receipt_number("event:Ev0PV52K25")


def test_the_user_team_wins_in_a_shared_channel() -> None:
    body = payload("dm_message")
    body["event"]["user_team"] = "T0OTHER01"
    found = incoming(body, BOT)
    assert found is not None and found.inbound.sender.identity == "slack:T0OTHER01/U061F7AUR"
    del body["event"]["team"], body["event"]["user_team"]
    found = incoming(body, BOT)
    assert found is not None and found.inbound.sender.identity == "slack:T061EG9R6/U061F7AUR"


def test_a_profile_in_the_event_gives_the_display_name() -> None:
    body = payload("dm_message")
    body["event"]["user_profile"] = {"real_name": "Carla Mendes", "display_name": "",
                                     "name": "carla"}
    found = incoming(body, BOT)
    assert found is not None and found.inbound.sender.display_name == "Carla Mendes"
    plain = incoming(payload("dm_message"), BOT)
    assert plain is not None and plain.inbound.sender.display_name == "U061F7AUR"


def test_a_mention_in_a_channel_without_the_mention() -> None:
    found = incoming(payload("app_mention"), BOT)
    assert found is not None and found.key == "event:Ev0PV52K26"
    inbound = found.inbound
    assert inbound.text == "tasks please" and inbound.addressed
    assert inbound.chat == ChatRef("slack", "C0LAN2Q65", is_private=False)
    assert inbound.message_id == "1700000100.000300" and inbound.reply_to is None


def test_a_mention_in_the_middle_and_with_a_label() -> None:
    body = payload("app_mention")
    body["event"]["text"] = "hey <@UBOT00001|peerdesk> what about <@U0G9QF9C6|ana>?"
    found = incoming(body, BOT)
    assert found is not None and found.inbound.text == "hey what about @ana?"


def test_a_mention_in_a_thread_replies_to_the_thread() -> None:
    body = payload("app_mention")
    body["event"]["thread_ts"] = "1700000050.000100"
    found = incoming(body, BOT)
    assert found is not None and found.inbound.reply_to == "1700000050.000100"


def test_the_message_event_of_a_mention_is_left_to_app_mention() -> None:
    """Both events arrive for one message (different event ids): only one is handled."""
    body = payload("app_mention")
    body["event"].update(type="message", channel_type="channel")
    body["event_id"] = "Ev0PV52K99"
    assert incoming(body, BOT) is None


def test_an_app_mention_of_another_app_or_in_a_dm_is_ignored() -> None:
    other = payload("app_mention")
    other["event"]["text"] = "<@U0SOMEONE> tasks"
    assert incoming(other, BOT) is None
    direct = payload("app_mention")
    direct["event"]["channel"] = "D0PNCRP9N"
    assert incoming(direct, BOT) is None  # message.im brings it


def test_a_thread_reply_under_the_bots_message() -> None:
    found = incoming(payload("channel_thread_reply"), BOT)
    assert found is not None
    inbound = found.inbound
    assert inbound.reply_to == "1700000150.000100" and inbound.addressed
    assert inbound.message_id == "1700000200.000400"
    assert inbound.text == "Section 3 needs the 2024 figures"
    assert inbound.chat == ChatRef("slack", "C0TEAM001", is_private=False)


def test_a_thread_reply_also_sent_to_the_channel_counts() -> None:
    body = payload("channel_thread_reply")
    body["event"]["subtype"] = "thread_broadcast"
    found = incoming(body, BOT)
    assert found is not None and found.inbound.reply_to == "1700000150.000100"


def test_channel_talk_not_for_the_bot_is_overheard() -> None:
    body = payload("channel_thread_reply")
    body["event"]["parent_user_id"] = "U0SOMEONE"
    found = incoming(body, BOT)
    assert found is not None and not found.inbound.addressed
    assert found.inbound.text == "Section 3 needs the 2024 figures"
    assert found.inbound.reply_to is None
    del body["event"]["thread_ts"], body["event"]["parent_user_id"]
    found = incoming(body, BOT)
    assert found is not None and not found.inbound.addressed


def test_overheard_files_without_text_are_not_talk() -> None:
    body = payload("dm_file_share")
    body["event"].update(channel="C0TEAM001", channel_type="channel")
    assert incoming(body, BOT) is None


def test_a_thread_reply_in_a_direct_message() -> None:
    body = payload("dm_message")
    body["event"]["thread_ts"] = "1699999999.000100"
    found = incoming(body, BOT)
    assert found is not None and found.inbound.reply_to == "1699999999.000100"
    # The thread's first message itself carries thread_ts == ts once it has replies.
    body["event"]["thread_ts"] = body["event"]["ts"]
    found = incoming(body, BOT)
    assert found is not None and found.inbound.reply_to is None


def test_a_file_in_a_direct_message() -> None:
    found = incoming(payload("dm_file_share"), BOT)
    assert found is not None and found.key == "event:Ev04EEHX2PSS"
    assert found.file == SlackFile(
        "F04EEHX1EES", "report-v2.pdf", 482113, "application/pdf",
        "https://files.slack.com/files-pri/T061EG9R6-F04EEHX1EES/download/report-v2.pdf")
    assert found.inbound.attachment == Attachment("report-v2.pdf", 482113, "application/pdf")
    assert found.inbound.text == ""


def test_a_file_with_a_comment_in_a_thread() -> None:
    body = payload("dm_file_share")
    body["event"].update(text="v2 with the figures", thread_ts="1700000150.000100")
    found = incoming(body, BOT)
    assert found is not None and found.file is not None
    assert found.inbound.text == "v2 with the figures"
    assert found.inbound.reply_to == "1700000150.000100"


def test_a_slack_connect_file_is_known_by_its_id_only() -> None:
    body = payload("dm_file_share")
    body["event"]["files"] = [{"id": "F12345678", "mode": "file_access",
                               "file_access": "check_file_info", "created": 0,
                               "timestamp": 0, "user": ""}]
    found = incoming(body, BOT)
    assert found is not None
    assert found.file == SlackFile("F12345678", "file", None, None, None)
    assert found.inbound.attachment == Attachment("file", 0, None)


@pytest.mark.parametrize("mode", ["tombstone", "hidden_by_limit", "external"])
def test_a_file_that_cannot_be_fetched_is_skipped(mode: str) -> None:
    body = payload("dm_file_share")
    body["event"]["files"][0]["mode"] = mode
    assert incoming(body, BOT) is None  # no text either
    body["event"]["text"] = "here it is"
    found = incoming(body, BOT)
    assert found is not None and found.file is None and found.inbound.attachment is None


def test_the_first_fetchable_file_is_taken() -> None:
    body = payload("dm_file_share")
    gone = {"id": "F0GONE", "mode": "tombstone"}
    second = copy.deepcopy(body["event"]["files"][0]) | {"id": "F0SECOND", "name": "b.pdf"}
    body["event"]["files"] = [gone, body["event"]["files"][0], second]
    found = incoming(body, BOT)
    assert found is not None and found.file is not None and found.file.id == "F04EEHX1EES"


@pytest.mark.parametrize("name", ["message_changed", "bot_message", "file_shared",
                                  "app_home_opened"])
def test_ignored_events(name: str) -> None:
    assert incoming(payload(name), BOT) is None


@pytest.mark.parametrize("subtype", ["message_deleted", "channel_join", "bot_message",
                                     "me_message", "channel_topic", "message_replied"])
def test_other_subtypes_are_ignored(subtype: str) -> None:
    body = payload("dm_message")
    body["event"]["subtype"] = subtype
    assert incoming(body, BOT) is None


def test_the_bots_own_message_without_bot_id_is_ignored() -> None:
    body = payload("dm_message")
    body["event"]["user"] = BOT.user_id
    assert incoming(body, BOT) is None


def test_empty_and_broken_payloads_are_ignored() -> None:
    empty = payload("dm_message")
    empty["event"]["text"] = "  "
    assert incoming(empty, BOT) is None
    assert incoming({}, BOT) is None
    assert incoming({"type": "event_callback", "event_id": "Ev1", "event": "x"}, BOT) is None
    no_user = payload("dm_message")
    del no_user["event"]["user"]
    assert incoming(no_user, BOT) is None
    url_check = {"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gm"}
    assert incoming(url_check, BOT) is None and delivery_key(url_check) is None


def test_a_button_press() -> None:
    found = incoming(payload("block_actions"), BOT)
    assert found is not None and found.key == (
        "trigger:1700000410.61823.5a1f2e0c9d3e4f5a6b7c8d9e0f1a2b3c")
    inbound = found.inbound
    assert inbound.button == "team:approve:7" and inbound.text == ""
    assert inbound.message_id == "1700000400.000600"
    assert inbound.sender.identity == "slack:T061EG9R6/U061F7AUR"
    assert inbound.sender.display_name == "carla"
    assert inbound.chat == ChatRef("slack", "D0PNCRP9N", is_private=True)


def test_a_button_on_an_ephemeral_message_in_a_channel() -> None:
    body = payload("block_actions")
    body["container"] = {"type": "message", "message_ts": "1700000401.000100",
                         "channel_id": "C0TEAM001", "is_ephemeral": True}
    body["channel"] = {"id": "C0TEAM001", "name": "team-alpha"}
    del body["message"]
    found = incoming(body, BOT)
    assert found is not None and found.inbound.message_id == "1700000401.000100"
    assert found.inbound.chat == ChatRef("slack", "C0TEAM001", False, "team-alpha")


def test_a_menu_choice_is_its_option_value() -> None:
    body = payload("block_actions")
    body["actions"] = [{"type": "static_select", "action_id": "lang", "block_id": "l",
                        "selected_option": {"text": {"type": "plain_text", "text": "Português"},
                                            "value": "lang:pt"},
                        "action_ts": "1700000420.000100"}]
    found = incoming(body, BOT)
    assert found is not None and found.inbound.button == "lang:pt"


def test_presses_elsewhere_are_ignored() -> None:
    modal = payload("block_actions")
    modal["container"] = {"type": "view", "view_id": "V0MODAL01"}
    modal["view"] = {"id": "V0MODAL01", "type": "modal", "callback_id": "newtask"}
    assert incoming(modal, BOT) is None  # a menu inside a modal: the modal's business
    no_value = payload("block_actions")
    del no_value["actions"][0]["value"]
    assert incoming(no_value, BOT) is None
    no_actions = payload("block_actions")
    no_actions["actions"] = []
    assert incoming(no_actions, BOT) is None


@pytest.mark.parametrize(("typed", "text"), [
    ("tasks", "/tasks"), ("", "/help"), ("   ", "/help"), ("/tasks", "/tasks"),
    ("lang pt", "/lang pt"), ("grant <@U0G9QF9C6|ana>", "/grant @ana"),
    ("help &amp; more", "/help & more"),
])
def test_a_slash_command(typed: str, text: str) -> None:
    body = payload("slash_command") | {"text": typed}
    found = incoming(body, BOT)
    assert found is not None and found.inbound.text == text
    assert found.key == "trigger:13345224609.738474920.8088930838d88f008e0"
    assert found.response_url == "https://hooks.slack.com/commands/T061EG9R6/34529/abc"
    assert found.inbound.sender.identity == "slack:T061EG9R6/U061F7AUR"
    assert found.inbound.chat == ChatRef("slack", "C0TEAM001", False, "team-alpha")
    assert found.inbound.message_id is None and found.inbound.addressed


def test_a_slash_command_in_a_direct_message_and_under_another_name() -> None:
    body = payload("slash_command") | {"channel_id": "D0PNCRP9N",
                                       "channel_name": "directmessage"}
    found = incoming(body, BOT)
    assert found is not None and found.inbound.chat == ChatRef("slack", "D0PNCRP9N", True)
    renamed = payload("slash_command") | {"command": "/desk"}
    assert incoming(renamed, BOT) is None
    found = incoming(renamed, BOT, command="/desk")
    assert found is not None and found.inbound.text == "/tasks"


def test_redeliveries_share_a_key_and_distinct_payloads_do_not() -> None:
    first = payload("dm_message")
    retry = copy.deepcopy(first)  # what Slack re-sends with X-Slack-Retry-Num: 1
    assert delivery_key(first) == delivery_key(retry) == "event:Ev0PV52K25"
    second_press = payload("block_actions") | {"trigger_id": "1700000499.61823.ffff"}
    keys = {delivery_key(payload(name)) for name in ("dm_message", "app_mention",
                                                     "block_actions", "slash_command")}
    keys.add(delivery_key(second_press))
    assert len(keys) == 5
    numbers = {receipt_number(key) for key in keys if key is not None}
    assert len(numbers) == 5 and all(0 <= n < 2 ** 63 for n in numbers)
    assert receipt_number("event:Ev0PV52K25") == receipt_number("event:Ev0PV52K25")


@pytest.mark.parametrize(("text", "shown"), [
    ("a &lt;b&gt; &amp;lt; c", "a <b> &lt; c"),
    ("<@U0G9QF9C6>", "@Ana"),
    ("<@U0UNKNOWN>", "@U0UNKNOWN"),
    ("<@U0G9QF9C6|ana>", "@ana"),
    ("<#C0LAN2Q65|general> <#C0LAN2Q65|> <#C0LAN2Q65>", "#general #general #general"),
    ("<!here> <!channel> <!everyone>", "@here @channel @everyone"),
    ("<!subteam^S0614TZR7|@editors>", "@editors"),
    ("<!date^1392734382^{date_num}|Feb 18, 2014>", "Feb 18, 2014"),
    ("<https://example.org>", "https://example.org"),
    ("<https://example.org/a?b=1&amp;c=2|the plan>", "the plan (https://example.org/a?b=1&c=2)"),
    ("<https://example.org|https://example.org>", "https://example.org"),
    ("<mailto:ana@example.org|ana@example.org>", "ana@example.org"),
    ("plain 3 &gt; 2", "plain 3 > 2"),
])
def test_readable(text: str, shown: str) -> None:
    assert readable(text, {"U0G9QF9C6": "Ana", "C0LAN2Q65": "general"}) == shown


def test_a_press_on_the_home_tab_is_answered_in_the_direct_messages() -> None:
    home = payload("block_actions")
    home["container"] = {"type": "view", "view_id": "V0HOME001"}
    home["view"] = {"id": "V0HOME001", "type": "home"}
    del home["channel"]
    found = incoming(home, BOT)
    assert found is not None
    assert found.inbound.button == "team:approve:7"
    assert found.inbound.chat.chat_id == "" and found.inbound.chat.is_private
    assert found.inbound.message_id is None
    assert found.key == "trigger:1700000410.61823.5a1f2e0c9d3e4f5a6b7c8d9e0f1a2b3c"


@pytest.mark.parametrize("kind", ["channel_left", "group_left", "channel_archive",
                                  "group_archive"])
def test_the_bot_removed_from_a_channel_is_a_chat_event(kind: str) -> None:
    body = {"type": "event_callback", "team_id": "T061EG9R6", "event_id": "Ev0LEFT0001",
            "event": {"type": kind, "channel": "C0TEAM001", "actor_id": "U061F7AUR",
                      "event_ts": "1700000500.000100"}}
    found = incoming(body, BOT)
    assert found is not None
    assert found.inbound.event == ChatEvent(removed=True)
    assert found.inbound.chat == ChatRef("slack", "C0TEAM001", False)
    assert found.inbound.sender.identity == "slack:T061EG9R6/U061F7AUR"
    assert found.key == "event:Ev0LEFT0001"


def test_a_renamed_channel_is_a_chat_event_with_its_new_name() -> None:
    body = {"type": "event_callback", "team_id": "T061EG9R6", "event_id": "Ev0RENAME01",
            "event": {"type": "channel_rename", "channel": {"id": "C0TEAM001",
                                                             "name": "rios-docs",
                                                             "created": 1700000000}}}
    found = incoming(body, BOT)
    assert found is not None and found.inbound.event == ChatEvent(title="rios-docs")
    assert found.inbound.chat.chat_id == "C0TEAM001"
    broken = {**body, "event": {"type": "channel_rename", "channel": "C0TEAM001"}}
    assert incoming(broken, BOT) is None


def test_one_person_is_one_identity_whatever_team_a_payload_names() -> None:
    """On Enterprise Grid and in Slack Connect channels, payloads name the person's home team
    in some fields and the workspace in others: the workspace the bot is installed in is used
    for all of them."""
    installed = BotIdentity("UBOT00001", "B0BOT0001", team_id="T0WORKSPC")
    message = payload("dm_message")
    message["event"]["user_team"] = "T0HOMETEA"
    command = payload("slash_command")
    command["team_id"] = "T0OTHERWS"
    press = payload("block_actions")
    press["user"]["team_id"] = "T0HOMETEA"
    found = [incoming(body, installed) for body in (message, command, press)]
    users = {body["event"]["user"] if "event" in body else
             body.get("user_id") or body["user"]["id"] for body in (message, command, press)}
    assert all(item is not None for item in found)
    assert {item.inbound.sender.identity.split("/")[0] for item in found if item} \
        == {"slack:T0WORKSPC"}
    assert {item.inbound.sender.identity.split("/")[1] for item in found if item} == users
