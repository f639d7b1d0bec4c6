"""Help requests: ``/ask``, replies, ``/answer``, follow-ups, ``/close``, ``/tickets``."""

from __future__ import annotations

import pytest

from handlers.domain import Language, PendingStep, RequestStatus
from handlers.messages import Context
from tests.unit.fakes import Desk, render

REQUEST_1 = Context("help_request", 1)


def _desk() -> Desk:
    desk = Desk(coordinators=["carla", "dan"])
    desk.onboard("carla")
    desk.onboard("dan", Language.FR)
    desk.onboard("ana", Language.PT)
    desk.onboard("bob")
    return desk


def test_ask_reaches_every_coordinator_with_its_context() -> None:
    desk = _desk()
    team = desk.make_team("ana", "Rivers")
    rows = desk.say("ana", "/ask Como preencher o modelo?")
    request = desk.ticket(1)
    assert (request.asker_id, request.text, request.language, request.status) == (
        desk.id("ana"), "Como preencher o modelo?", Language.PT, RequestStatus.OPEN)
    assert request.team_id == team.id
    assert desk.one(rows, "ana").text == render("ask.sent", Language.PT, number=1)
    for name, language in (("carla", Language.EN), ("dan", Language.FR)):
        row = desk.one(rows, name)
        assert (row.context, row.context_id, row.chat_id) == ("help_request", 1, None)
        assert row.language == language
        assert row.text == render("ask.to_coordinators", language, number=1, name="Ana",
                                  team="Rivers", question="Como preencher o modelo?")
    assert desk.to(rows, "bob") == []


def test_ask_without_a_team_says_so_in_each_reader_language() -> None:
    desk = _desk()
    rows = desk.say("bob", "/ask Where is the template?")
    assert desk.one(rows, "dan").text.startswith("Demande d'aide #1 de Bob (sans équipe)")
    assert "(no team)" in desk.one(rows, "carla").text
    assert desk.ticket(1).team_id is None


def test_a_coordinator_asking_is_not_sent_their_own_question() -> None:
    desk = _desk()
    rows = desk.say("carla", "/ask Budget lines?")
    assert sorted(desk.recipients(rows)) == sorted([desk.id("carla"), desk.id("dan")])


def test_without_coordinators_the_request_is_kept() -> None:
    desk = Desk()
    desk.onboard("ana")
    sent, nobody = desk.say("ana", "/ask Anyone?")
    assert sent.text == render("ask.sent", number=1)
    assert nobody.text == render("ask.no_coordinator")
    assert desk.request(1) is not None


def test_bare_ask_takes_the_next_text_as_the_question() -> None:
    desk = _desk()
    (asked,) = desk.say("bob", "/ask")
    assert asked.text == render("ask.ask_question")
    assert desk.pending("bob") == PendingStep("ask", "question", {})
    (too_long,) = desk.say("bob", "x" * 4001)
    assert too_long.text == render("ask.too_long", limit=4000)
    assert desk.pending("bob") == PendingStep("ask", "question", {}) and desk.request(1) is None
    desk.say("bob", "  How do I report?  ")
    assert desk.ticket(1).text == "How do I report?"
    assert desk.pending("bob") is None


def test_a_coordinator_reply_reaches_the_asker_and_other_coordinators() -> None:
    desk = _desk()
    asked = desk.say("ana", "/ask Como?")
    rows = desk.reply("carla", desk.one(asked, "carla"), "Fill in tab 2.")
    answer = desk.one(rows, "ana")
    assert (answer.context, answer.context_id, answer.language) == ("help_request", 1,
                                                                    Language.PT)
    assert answer.text == render("answer.to_asker", Language.PT, number=1, name="Carla",
                                 answer="Fill in tab 2.")
    assert desk.one(rows, "carla").text == render("answer.sent", number=1)
    assert desk.one(rows, "dan").text == render("answer.notice", Language.FR, name="Carla",
                                                number=1, answer="Fill in tab 2.")
    assert desk.store.state.help_messages[0].author_id == desk.id("carla")


def test_the_asker_follow_up_goes_to_the_answering_coordinator_only() -> None:
    desk = _desk()
    desk.say("ana", "/ask Como?")
    desk.reply("dan", REQUEST_1, "Onglet 2.")
    rows = desk.reply("ana", REQUEST_1, "Obrigada! E o onglet 3?")
    assert desk.one(rows, "ana").text == render("followup.sent", Language.PT, number=1)
    assert desk.one(rows, "dan").text == render("followup.to_coordinators", Language.FR,
                                                number=1, name="Ana",
                                                text="Obrigada! E o onglet 3?")
    assert desk.to(rows, "carla") == []


def test_a_follow_up_before_any_answer_goes_to_every_coordinator() -> None:
    desk = _desk()
    rows = desk.say("ana", "/ask Como?")
    more = desk.reply("ana", desk.one(rows, "ana"), "more")  # replying to the receipt
    assert desk.one(more, "ana").text == render("followup.sent", Language.PT, number=1)
    assert sorted(desk.recipients(more)) == sorted(desk.id(n) for n in ("ana", "carla", "dan"))
    desk.say("carla", "/close 1")
    rows = desk.reply("ana", REQUEST_1, "Ainda não está resolvido")
    assert sorted(desk.recipients(rows)) == sorted(desk.id(n) for n in ("ana", "carla", "dan"))
    assert desk.ticket(1).status == RequestStatus.OPEN


def test_a_follow_up_skips_an_answerer_who_is_no_longer_coordinator() -> None:
    desk = _desk()
    desk.say("carla", "/grant coordinator bob")
    desk.say("ana", "/ask Como?")
    desk.say("bob", "/answer 1 Tab 2.")
    desk.say("dan", "/revoke coordinator bob")
    rows = desk.reply("ana", REQUEST_1, "still there?")
    assert sorted(desk.recipients(rows)) == sorted(
        [desk.id("ana"), desk.id("carla"), desk.id("dan")])


def test_a_coordinator_named_in_config_cannot_be_revoked() -> None:
    desk = _desk()
    (row,) = desk.say("dan", "/revoke coordinator carla")
    assert row.text == render("roles.configured", Language.FR, name="Carla")
    assert desk.member("carla").is_coordinator


def test_answer_command() -> None:
    desk = _desk()
    desk.say("ana", "/ask Como?")
    rows = desk.say("dan", "/answer #1 Regardez l'onglet 2.")
    assert desk.one(rows, "ana").text == render("answer.to_asker", Language.PT, number=1,
                                                name="Dan", answer="Regardez l'onglet 2.")
    (asked,) = desk.say("dan", "/answer 1")  # no text yet: it is asked for
    assert asked.text == render("answer.ask_text", Language.FR, number=1, question="Como?")
    rows = desk.say("dan", "Onglet 3, pardon.")
    assert desk.one(rows, "ana").text == render("answer.to_asker", Language.PT, number=1,
                                                name="Dan", answer="Onglet 3, pardon.")
    (missing,) = desk.say("dan", "/answer 99 hello")
    assert missing.text == render("request.not_found", Language.FR, number="99")
    (refused,) = desk.say("bob", "/answer 1 I know!")
    assert refused.text == render("perm.coordinator")
    assert len(desk.store.state.help_messages) == 2


def test_close_by_a_stranger_is_refused() -> None:
    desk = _desk()
    desk.say("ana", "/ask Como?")
    (row,) = desk.say("bob", "/close 1")
    assert row.text == render("close.not_yours", number=1)
    assert desk.ticket(1).status == RequestStatus.OPEN


def test_close_by_the_asker_and_reopen_by_reply() -> None:
    desk = _desk()
    desk.say("ana", "/ask Como?")
    (row,) = desk.say("ana", "/close 1")
    assert row.text == render("close.done", Language.PT, number=1)
    assert desk.ticket(1).status == RequestStatus.CLOSED
    assert desk.store.state.closed_by[1][0] == desk.id("ana")
    (row,) = desk.say("ana", "/close #1")
    assert row.text == render("close.already", Language.PT, number=1)
    desk.say("carla", "/answer 1 Reopening with more detail.")
    assert desk.ticket(1).status == RequestStatus.OPEN


def test_close_by_a_coordinator_tells_the_asker_who_may_reply_to_reopen() -> None:
    desk = _desk()
    desk.say("ana", "/ask Como?")
    rows = desk.say("carla", "/close 1")
    told = desk.one(rows, "ana")
    assert (told.context, told.context_id) == ("help_request", 1)
    assert told.text == render("close.to_asker", Language.PT, name="Carla", number=1)
    desk.reply("ana", told, "Not solved yet")
    assert desk.ticket(1).status == RequestStatus.OPEN


@pytest.mark.parametrize(("args", "key", "number"), [
    ("", "tickets.empty", ""), ("#", "request.usage", ""), ("abc", "request.not_found", "abc"),
    ("7", "request.not_found", "7")])
def test_close_with_a_bad_number(args: str, key: str, number: str) -> None:
    desk = _desk()
    (row,) = desk.say("bob", f"/close {args}".strip())
    assert row.text == render(key, number=number)


def test_the_only_coordinator_asking_is_not_told_there_is_no_coordinator() -> None:
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    rows = desk.say("carla", "/ask Is the template final?")
    assert render("ask.no_coordinator") not in [r.text for r in rows]
