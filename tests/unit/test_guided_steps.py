"""Guided steps across commands: what a command typed half-way does to the question pending."""

from __future__ import annotations

from handlers.domain import Language
from tests.unit.fakes import Desk, data, labels, render


def _desk() -> Desk:
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    desk.onboard("ana", Language.PT, "Maputo")
    return desk


def test_a_newcomer_starting_with_join_is_still_asked_language_and_time_zone() -> None:
    desk = _desk()
    team = desk.make_team("ana", "Rivers")
    desk.say("bob", f"/join {team.join_code}")
    assert desk.roster(team) == ["Ana", "Bob"]
    rows = desk.press("bob", "lang:es")
    assert desk.one(rows, "bob").text.startswith(render("lang.set", Language.ES))
    assert desk.pending("bob") is not None  # the time-zone question follows
    desk.say("bob", "Lima")
    assert desk.member("bob").timezone == "America/Lima" and desk.pending("bob") is None


def test_help_or_team_half_way_keeps_the_question_open() -> None:
    desk = _desk()
    desk.make_team("ana", "Rivers", "carla")
    desk.say("ana", "/colead")
    desk.say("ana", "/help")
    desk.say("ana", "/team")
    desk.say("ana", "Carla")
    assert desk.team("Rivers").co_leader_id == desk.id("carla")  # type: ignore[union-attr]


def test_another_command_half_way_abandons_the_question() -> None:
    desk = _desk()
    desk.say("ana", "/newteam")
    desk.say("ana", "/ask Posso mudar o nome?")
    assert desk.pending("ana") is None and desk.request(1) is not None


def test_bare_close_offers_the_open_requests() -> None:
    desk = _desk()
    desk.say("ana", "/ask Onde está o modelo?")
    (asked,) = desk.say("ana", "/close")
    assert asked.text == render("close.ask_number", Language.PT)
    assert data(asked) == ["close:1"] and labels(asked) == ["#1 · Onde está o modelo?"]
    rows = desk.press("ana", "close:1")
    assert desk.one(rows, "ana").text == render("close.done", Language.PT, number=1)
    assert desk.pending("ana") is None
    (nothing,) = desk.say("ana", "/close")
    assert nothing.text == render("tickets.empty", Language.PT)


def test_bare_answer_asks_which_request_then_the_text() -> None:
    desk = _desk()
    desk.say("ana", "/ask Onde está o modelo?")
    (asked,) = desk.say("carla", "/answer")
    assert asked.text == render("answer.ask_number") and data(asked) == ["answer:1"]
    (text_asked,) = desk.press("carla", "answer:1")
    assert text_asked.text == render("answer.ask_text", number=1,
                                     question="Onde está o modelo?")
    rows = desk.say("carla", "In the shared folder.")
    assert desk.one(rows, "ana").text == render("answer.to_asker", Language.PT, number=1,
                                                name="Carla", answer="In the shared folder.")
    (stale,) = desk.press("carla", "answer:1")
    assert stale.text == render("button.stale")


def test_a_question_left_for_a_day_is_forgotten() -> None:
    desk = _desk()
    desk.say("carla", "/grant coordinator")
    desk.press("carla", "role:coordinator")
    desk.clock.advance(hours=25)
    (row,) = desk.say("carla", "Ana")  # not taken as the answer to yesterday's question
    assert row.text == render("text.not_understood")
    assert not desk.member("ana").is_coordinator and desk.pending("carla") is None
