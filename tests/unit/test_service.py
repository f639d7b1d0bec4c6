"""``HelpDesk.handle``: one transaction per message, apologies on failure, who the sender is."""

from __future__ import annotations

from dataclasses import replace

import pytest

from handlers import help_desk
from handlers.commands import COMMANDS
from handlers.domain import Language, PendingStep, Role
from handlers.messages import Context, UserRef
from handlers.roles import appoint_configured_coordinators
from handlers.turn import Turn
from tests.unit.fakes import START, Desk, FakeMembers, FakeTeams, FakeUnitOfWork, render


def _desk() -> Desk:
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    desk.onboard("ana", Language.PT)
    return desk


def test_a_failing_use_case_stores_nothing_and_apologises(
        monkeypatch: pytest.MonkeyPatch) -> None:
    desk = _desk()

    def ask_then_fail(turn: Turn, args: str) -> None:
        help_desk.ask_help_desk(turn, args)  # opens the request and tells the coordinators
        turn.uow.members.set_language(turn.sender.id, Language.FR)
        raise RuntimeError("boom")

    monkeypatch.setitem(COMMANDS, "ask", replace(COMMANDS["ask"], run=ask_then_fail))
    commits = desk.store.commits
    rows = desk.say("ana", "/ask Como?")
    assert desk.request(1) is None
    assert desk.member("ana").language == Language.PT
    (sorry,) = rows
    assert (sorry.member_id, sorry.chat_id) == (desk.id("ana"), "ana")
    assert (sorry.language, sorry.text) == (Language.PT, render("error.internal", Language.PT))
    assert desk.store.commits == commits + 1  # the apology's own transaction only


def test_a_failure_at_the_last_step_of_a_flow_keeps_the_flow(
        monkeypatch: pytest.MonkeyPatch) -> None:
    desk = _desk()
    desk.say("ana", "/newteam Rivers")
    desk.say("ana", "Water")

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database is down")

    with monkeypatch.context() as patch:
        patch.setattr(FakeTeams, "add", refuse)
        (sorry,) = desk.press("ana", "region:west")
    assert sorry.text == render("error.internal", Language.PT)
    assert desk.teams() == []
    assert desk.pending("ana") == PendingStep("newteam", "region",
                                              {"name": "Rivers", "topic": "Water"})
    rows = desk.press("ana", "region:west")  # trying again works
    assert desk.team("Rivers") is not None and len(rows) == 2


def test_a_newcomer_whose_first_message_fails_is_told(monkeypatch: pytest.MonkeyPatch) -> None:
    desk = _desk()

    def boom(turn: Turn, args: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(COMMANDS, "ask", replace(COMMANDS["ask"], run=boom))
    (sorry,) = desk.say(UserRef("console:zoe", "Zoe", locale="fr-SN"), "/ask Allô ?")
    assert (sorry.language, sorry.text) == (Language.FR, render("error.internal", Language.FR))
    assert desk.known("zoe") and desk.request(1) is None


def test_a_failure_while_registering_stores_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    desk = Desk(coordinators=["carla"])

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database is down")

    monkeypatch.setattr(FakeMembers, "add", refuse)
    desk.say("zoe", "/start")
    assert not desk.known("zoe")
    assert desk.store.state.members == {} and desk.store.state.outbox == []


def test_each_message_is_one_commit_with_its_outbox_rows() -> None:
    desk = _desk()
    commits, queued = desk.store.commits, len(desk.store.state.outbox)
    rows = desk.say("ana", "/ask Como?")
    assert desk.store.commits == commits + 1
    assert len(desk.store.state.outbox) == queued + len(rows) == queued + 2
    assert desk.request(1) is not None


def test_replies_go_to_the_chat_written_from_and_notices_to_private_chats() -> None:
    desk = _desk()
    rows = desk.say("ana", "/ask Como?")
    assert [(r.member_id, r.identity, r.chat_id) for r in rows] == [
        (desk.id("ana"), "console:ana", "ana"), (desk.id("carla"), "console:carla", None)]


def test_display_names_are_tidied_when_a_member_is_created() -> None:
    desk = Desk()
    desk.say(UserRef("console:maria", "  Maria   da\tSilva "), "/start")
    assert desk.member("maria").name == "Maria da Silva"
    desk.say(UserRef("console:long", "x" * 100), "/start")
    assert desk.member("long").name == "x" * 80
    desk.say(UserRef("console:nameless", "   "), "/start")
    assert desk.member("nameless").name == "console:nameless"


def test_messages_go_to_the_identity_last_written_from() -> None:
    desk = _desk()
    ana = desk.id("ana")
    desk.store.state.identities["telegram:42"] = ana  # Ana also reaches the bot from Telegram
    telegram = UserRef("telegram:42", "Ana T")
    desk.say(telegram, "/ask Como?")
    assert desk.member("ana").identity == "telegram:42"
    assert desk.member("ana").name == "Ana"  # still one member, with her first name
    rows = desk.reply("carla", Context("help_request", 1), "Tab 2.")
    answer = desk.one(rows, "ana")
    assert (answer.identity, answer.chat_id) == ("telegram:42", None)


def test_configured_coordinators_get_the_role_on_first_contact() -> None:
    desk = Desk(coordinators=["carla"])
    desk.say("carla", "/start")
    desk.say("bob", "/start")
    assert desk.member("carla").roles == {Role.COORDINATOR}
    assert desk.store.state.roles[(desk.id("carla"), Role.COORDINATOR)] == (None, START)
    assert desk.member("bob").roles == frozenset()


def test_a_configured_coordinator_gets_the_role_back_on_their_next_message() -> None:
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    with FakeUnitOfWork(desk.store) as uow:  # e.g. revoked while config.toml did not list her
        uow.members.revoke(desk.id("carla"), Role.COORDINATOR)
        uow.commit()
    assert not desk.member("carla").is_coordinator
    (row,) = desk.say("carla", "/teams")  # config.toml wins: she is a coordinator again
    assert row.text == render("teams.empty")
    assert desk.member("carla").is_coordinator


def test_appoint_configured_coordinators_grants_known_identities_once() -> None:
    desk = Desk()
    desk.onboard("carla")
    desk.onboard("dan")
    identities = ["console:carla", "console:dan", "console:unknown"]
    appointed = appoint_configured_coordinators(desk.store.unit_of_work(), identities, START)
    assert appointed == 2
    assert desk.member("carla").is_coordinator and desk.member("dan").is_coordinator
    again = appoint_configured_coordinators(desk.store.unit_of_work(), identities, START)
    assert again == 0
