"""The console adapter's output format and its checks on replies and button presses."""

from __future__ import annotations

import pytest

from bot.console import ConsoleChannel
from bot.script import MoveClock, Press, Reply, Say, ScriptError, SendFile, parse_line
from handlers.messages import Attachment
from storage.outbox import QueuedMessage


def queued(number: int, text: str, buttons: list[list[tuple[str, str]]], user: str = "carla",
           attachments: list[Attachment] | None = None) -> QueuedMessage:
    return QueuedMessage(number, 1, f"console:{user}", "console", None, "pt", text, buttons, 0,
                         attachments or [])


async def test_a_message_block_has_number_recipient_language_buttons_and_files() -> None:
    printed: list[str] = []
    channel = ConsoleChannel(printed.append)
    await channel.send(queued(1, "Olá", []))
    delivery = await channel.send(queued(2,
        "Versão 3 recebida\nDois revisores", [[("Aprovar", "approve:7"),
                                              ("Pedir alterações", "changes:7")]],
        attachments=[Attachment("tor-v3.pdf", 10)]))
    assert (delivery.chat_id, delivery.message_id) == ("carla", "2")
    assert printed[1] == ("#2 → carla (pt): Versão 3 recebida\n"
                          "    Dois revisores\n"
                          "    [Aprovar] [Pedir alterações]\n"
                          "    📎 tor-v3.pdf")


async def test_presses_and_replies_are_checked_against_what_the_user_received() -> None:
    channel = ConsoleChannel(lambda _text: None)
    await channel.send(queued(1, "first", [[("✓ English", "lang:en"), ("Español", "lang:es")]]))
    await channel.send(queued(2, "second", [[("Español", "lang:es2")]]))
    await channel.send(queued(3, "other", [[("Español", "lang:x")]], user="bob"))
    assert channel.button_for("carla", "Español") == "lang:es2"  # the newest message wins
    assert channel.button_for("carla", "english") == "lang:en"  # ✓ and case do not matter
    with pytest.raises(ScriptError, match="no message with a \\[Klingon\\] button"):
        channel.button_for("carla", "Klingon")
    channel.check_received("carla", 2)
    with pytest.raises(ScriptError, match="did not receive a message #3"):
        channel.check_received("carla", 3)


@pytest.mark.parametrize(("line", "step"), [
    ("alice> /newteam Budget Demystification", Say("alice", "/newteam Budget Demystification")),
    ("Bob> [file drafts/tor.pdf] ToR draft", SendFile("bob", "drafts/tor.pdf", "ToR draft")),
    ("carla> [reply 12] Please expand section 2", Reply("carla", 12, "Please expand section 2")),
    ("bob> [reply 14] [file v2.pdf] New data", SendFile("bob", "v2.pdf", "New data", 14)),
    ("bob> [press Aprovar]", Press("bob", "Aprovar")),
    (":clock +3d", MoveClock("+3d")),
    ("# a comment", None),
    ("   ", None),
])
def test_the_grammar(line: str, step: object) -> None:
    assert parse_line(line) == step


@pytest.mark.parametrize("line", ["hello", "alice>", "alice> [dance]", ":clock", "> hi",
                                  "alice> [press ]"])
def test_lines_that_are_not_the_grammar(line: str) -> None:
    with pytest.raises(ScriptError):
        parse_line(line)


def test_a_clock_step_past_the_calendar_is_a_script_error() -> None:
    from bot.clock import VirtualClock

    with pytest.raises(ValueError, match="past the year 9999"):
        VirtualClock().move("+99999999d")
