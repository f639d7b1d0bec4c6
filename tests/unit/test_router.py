"""The router: ``/help``, unknown commands, plain text, files, and stale or forged buttons."""

from __future__ import annotations

import pytest

from handlers.domain import Language, PendingStep
from tests.unit.fake_store import State
from tests.unit.fakes import Desk, render

COORDINATOR_ONLY = ["help.cmd.answer", "help.cmd.teams", "help.cmd.grant", "help.cmd.revoke",
                    "help.cmd.broadcast", "help.cmd.broadcasts", "help.cmd.event",
                    "help.cmd.audit"]


def _desk() -> Desk:
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    desk.onboard("ana", Language.PT)
    desk.onboard("bob")
    return desk


def _lines(keys: list[str], language: Language = Language.EN) -> list[str]:
    return [render("help.header", language)] + [render(f"help.cmd.{k}", language) for k in keys]


def test_help_for_someone_without_a_team() -> None:
    desk = _desk()
    (row,) = desk.say("bob", "/help")
    assert row.text.split("\n") == _lines(
        ["start", "help", "lang", "tz", "link", "unlink", "newteam", "join", "team", "tr",
         "original", "translate", "ask", "tickets", "close", "nags", "events", "export",
         "forget", "cancel"])


def test_help_for_a_team_leader_in_their_language() -> None:
    desk = _desk()
    desk.make_team("ana", "Rivers")
    (row,) = desk.say("ana", "/ajuda")
    assert row.text.split("\n") == _lines(
        ["start", "help", "lang", "tz", "link", "unlink", "team", "leave", "t", "teamchat",
         "linkgroup", "unlinkgroup", "leader", "colead", "tasks", "newtask", "edittask", "deltask",
         "status", "tr", "original", "translate",
         "ask", "tickets", "close", "nags", "events", "export", "forget", "cancel"],
        Language.PT)


def test_coordinator_only_lines_are_shown_only_to_coordinators() -> None:
    desk = _desk()
    (mine,) = desk.say("carla", "/HELP@peerdesk_bot")
    (theirs,) = desk.say("bob", "/help")
    for key in COORDINATOR_ONLY:
        assert render(key) in mine.text.split("\n")
        assert render(key) not in theirs.text
    assert render("help.cmd.leader") in mine.text  # coordinators may name leaders anywhere


def test_unknown_command() -> None:
    desk = _desk()
    (row,) = desk.say("ana", "/frobnicate now")
    assert row.text == render("command.unknown", Language.PT, command="/frobnicate")


def test_plain_text_with_no_flow() -> None:
    desk = _desk()
    (row,) = desk.say("bob", "hello there")
    assert row.text == render("text.not_understood")
    (row,) = desk.say("bob", "/")
    assert row.text == render("text.not_understood")


def test_a_file_from_someone_outside_a_team_is_refused() -> None:
    desk = _desk()
    (row,) = desk.upload("bob", "report.pdf")
    assert row.text == render("upload.no_team", name="report.pdf")


def test_an_empty_message_during_a_flow_reminds_the_question() -> None:
    desk = _desk()
    desk.say("bob", "/newteam")
    (row,) = desk.say("bob", "   ")
    assert row.text == render("flow.waiting")
    assert desk.pending("bob") == PendingStep("newteam", "name", {})


def test_a_new_command_replaces_a_half_finished_one() -> None:
    desk = _desk()
    desk.say("bob", "/newteam Rivers")
    desk.say("bob", "/ask")
    assert desk.pending("bob") == PendingStep("ask", "question", {})
    desk.say("bob", "Water")  # now the question, no longer the topic
    assert desk.request(1) is not None and desk.teams() == []


def test_cancel_with_nothing_to_cancel() -> None:
    desk = _desk()
    (row,) = desk.say("bob", "/cancel")
    assert row.text == render("cancel.nothing")


def _snapshot(desk: Desk) -> State:
    state = desk.store.state.copy()
    state.outbox, state.sequences = [], {}
    return state


@pytest.mark.parametrize(("button", "key"), [
    ("approve:999", "button.stale"), ("reject:999", "button.stale"),
    ("approve:abc", "button.stale"), ("region:west", "button.stale"), ("pick:1", "button.stale"),
    ("role:reviewer", "button.stale"), ("leave:1", "button.stale"), ("leave:", "button.stale"),
    ("bogus", "button.stale"), ("", "button.stale"), ("cancel:1:2", "cancel.done")])
def test_stale_or_forged_buttons_change_nothing(button: str, key: str) -> None:
    desk = _desk()
    desk.make_team("ana", "Rivers")
    before = _snapshot(desk)
    (row,) = desk.press("carla", button)
    assert row.text == render(key)
    assert row.member_id == desk.id("carla") and row.buttons == []
    assert _snapshot(desk) == before


def test_a_flow_button_pressed_at_the_wrong_step_is_stale() -> None:
    desk = _desk()
    desk.say("bob", "/newteam")
    for button in ("region:west", "role:reviewer"):
        (row,) = desk.press("bob", button)
        assert row.text == render("button.stale")
    assert desk.pending("bob") == PendingStep("newteam", "name", {})
    desk.say("bob", "/ask")
    (row,) = desk.press("bob", "pick:1")
    assert row.text == render("button.stale")
    assert desk.pending("bob") == PendingStep("ask", "question", {})


def test_approve_by_a_non_coordinator_is_a_permission_refusal() -> None:
    desk = _desk()
    (row,) = desk.press("bob", "approve:1")
    assert row.text == render("perm.coordinator")


def test_forged_language_and_city_buttons_are_refused_like_typed_ones() -> None:
    desk = _desk()
    (row,) = desk.press("bob", "lang:xx")
    assert row.text == render("lang.unknown", value="xx")
    (row,) = desk.press("bob", "tz:Atlantis")
    assert row.text == render("tz.unknown", value="Atlantis")
    member = desk.member("bob")
    assert (member.language, member.timezone) == (Language.EN, "Africa/Nairobi")


def test_a_reply_to_a_message_about_nothing() -> None:
    desk = _desk()
    (help_row,) = desk.say("bob", "/help")
    (row,) = desk.reply("bob", help_row, "thanks")
    assert row.text == render("reply.nothing")


@pytest.mark.parametrize("button", ["approve:²", "pick:²"])
def test_forged_buttons_with_odd_digits_are_stale(button: str) -> None:
    desk = _desk()
    desk.say("carla", "/leader")  # a flow at its name step, so that pick: is considered
    (row,) = desk.press("carla", button)
    assert row.text == render("button.stale")
