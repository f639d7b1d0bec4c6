"""``/grant`` and ``/revoke`` of programme-wide roles."""

from __future__ import annotations

import pytest

from handlers.domain import Language, PendingStep, Role
from handlers.messages import Phrase, UserRef
from tests.unit.fakes import START, Desk, FakeUnitOfWork, data, labels, render

ROLE_DATA = ["role:coordinator", "role:reviewer", "role:observer"]


def _desk() -> Desk:
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    desk.onboard("ana", Language.PT)
    desk.onboard("bob")
    return desk


def test_only_coordinators_may_grant_or_revoke() -> None:
    desk = _desk()
    for command in ("/grant reviewer Bob", "/revoke coordinator Carla", "/grant"):
        (row,) = desk.say("ana", command)
        assert row.text == render("perm.coordinator", Language.PT)
    assert desk.member("bob").roles == frozenset()
    assert desk.member("carla").roles == {Role.COORDINATOR}
    assert desk.pending("ana") is None


def test_grant_tells_both_in_their_languages_and_stores_the_role() -> None:
    desk = _desk()
    rows = desk.say("carla", "/grant reviewer ana")
    assert desk.member("ana").roles == {Role.REVIEWER}
    assert desk.store.state.roles[(desk.id("ana"), Role.REVIEWER)][0] == desk.id("carla")
    assert desk.one(rows, "carla").text == "Ana now has the reviewer role."
    told = desk.one(rows, "ana")
    assert (told.language, told.chat_id) == (Language.PT, None)
    assert told.text == render("roles.granted_you", Language.PT,
                               role=Phrase("role.reviewer"), by="Carla")


def test_granting_a_role_twice() -> None:
    desk = _desk()
    desk.say("carla", "/grant observer Bob")
    (row,) = desk.say("carla", "/grant observer bob")
    assert row.text == "Bob already has the observer role."
    assert desk.member("bob").roles == {Role.OBSERVER}


@pytest.mark.parametrize(("word", "role"), [
    ("revisor", Role.REVIEWER), ("Coordinatrice", Role.COORDINATOR),
    ("observador", Role.OBSERVER)])
def test_role_names_in_other_languages(word: str, role: Role) -> None:
    desk = _desk()
    desk.say("carla", f"/grant {word} Bob")
    assert role in desk.member("bob").roles


def test_an_unknown_role_is_asked_again_with_buttons() -> None:
    desk = _desk()
    (row,) = desk.say("carla", "/grant wizard Bob")
    assert row.text == render("roles.unknown_role", value="wizard")
    assert data(row) == ROLE_DATA
    assert desk.pending("carla") == PendingStep("grant", "role", {})
    assert desk.member("bob").roles == frozenset()


def test_guided_grant_role_button_then_name() -> None:
    desk = _desk()
    (asked,) = desk.say("carla", "/grant")
    assert asked.text == render("roles.ask_role") and data(asked) == ROLE_DATA
    (asked,) = desk.press("carla", "role:observer")
    assert asked.text == "Who? Type the person's name (role: observer)."
    assert desk.pending("carla") == PendingStep("grant", "name", {"role": "observer"})
    (refused,) = desk.say("carla", "Nobody")
    assert refused.text == render("person.not_found", name="Nobody")
    assert desk.pending("carla") == PendingStep("grant", "name", {"role": "observer"})
    desk.say("carla", "ana")
    assert desk.member("ana").roles == {Role.OBSERVER}
    assert desk.pending("carla") is None


def test_an_ambiguous_name_keeps_the_role_through_the_pick() -> None:
    desk = _desk()
    bo, bobby = UserRef("console:bo", "Bo"), UserRef("console:bobby", "Bobby")
    for who in (bo, bobby):
        desk.say(who, "/start")
    desk.say("carla", "/grant reviewer bo")  # "Bo" matches exactly, before any prefix
    assert desk.member(bo).roles == {Role.REVIEWER}
    assert desk.member(bobby).roles == frozenset()

    (asked,) = desk.say("carla", "/grant observer b")  # Bob, Bo and Bobby start so
    assert asked.text == render("person.ambiguous", name="b")
    question = desk.pending("carla").data["q"]  # type: ignore[union-attr]
    assert data(asked) == [f"pick:{question}:{desk.id(w)}" for w in ("bob", bo, bobby)]
    assert desk.pending("carla") == PendingStep("grant", "name",
                                                {"role": "observer", "q": question})
    desk.press("carla", f"pick:{question}:{desk.id(bobby)}")
    assert desk.member(bobby).roles == {Role.OBSERVER}
    assert desk.member("bob").roles == frozenset()
    assert desk.pending("carla") is None


def test_a_partial_name_is_confirmed_before_a_role_is_given() -> None:
    desk = _desk()
    (asked,) = desk.say("carla", "/grant coordinator bo")  # only Bob starts so
    assert asked.text == render("person.confirm", name="bo")
    assert labels(asked) == [f"Bob (#{desk.id('bob')})"]
    assert not desk.member("bob").is_coordinator
    desk.press("carla", data(asked)[0])
    assert desk.member("bob").is_coordinator


def test_an_old_pick_does_not_answer_a_newer_question() -> None:
    desk = _desk()
    desk.say("ana", "/start")
    (first,) = desk.say("carla", "/grant observer a")  # Ana only: confirm with a button
    desk.say("carla", "/revoke reviewer")
    (row,) = desk.press("carla", data(first)[0])
    assert row.text == render("button.stale")
    assert desk.member("ana").roles == frozenset()


def test_a_new_coordinator_hears_about_waiting_requests() -> None:
    desk = _desk()
    desk.say("ana", "/ask first")
    desk.say("bob", "/ask second")
    rows = desk.say("carla", "/grant coordinator Bob")
    granted, waiting = desk.to(rows, "bob")
    assert granted.text.startswith("You now have the coordinator role (granted by Carla).")
    assert waiting.text == render("roles.open_tickets", count=2)
    rows = desk.say("carla", "/grant reviewer ana")
    assert len(desk.to(rows, "ana")) == 1  # only coordinators hear about requests


def test_revoke_tells_the_person_and_removes_the_role() -> None:
    desk = _desk()
    desk.say("carla", "/grant reviewer ana")
    rows = desk.say("carla", "/revoke reviewer Ana")
    assert desk.member("ana").roles == frozenset()
    assert desk.one(rows, "carla").text == "Ana no longer has the reviewer role."
    assert desk.one(rows, "ana").text == render("roles.revoked_you", Language.PT,
                                                role=Phrase("role.reviewer"), by="Carla")
    (row,) = desk.say("carla", "/revoke reviewer Ana")
    assert row.text == "Ana does not have the reviewer role."


def test_the_last_coordinator_cannot_be_revoked() -> None:
    desk = Desk()  # nobody is a coordinator by configuration
    desk.onboard("bob")
    with FakeUnitOfWork(desk.store) as uow:
        uow.members.grant(desk.id("bob"), Role.COORDINATOR, None, START)
        uow.commit()
    desk.onboard("carla")
    (row,) = desk.say("bob", "/revoke coordinator bob")
    assert row.text == render("roles.last_coordinator")
    assert desk.member("bob").is_coordinator
    desk.say("bob", "/grant coordinator carla")
    desk.say("carla", "/revoke coordinator bob")
    assert not desk.member("bob").is_coordinator


def test_revoking_coordinator_from_someone_who_is_not_one() -> None:
    desk = _desk()
    (row,) = desk.say("carla", "/revoke coordinator bob")
    assert row.text == "Bob does not have the coordinator role."
    assert desk.member("carla").is_coordinator


def test_a_role_button_without_a_grant_flow_is_stale() -> None:
    desk = _desk()
    (row,) = desk.press("carla", "role:coordinator")
    assert row.text == render("button.stale")
    desk.say("carla", "/grant reviewer")  # now at the name step, not the role step
    (row,) = desk.press("carla", "role:coordinator")
    assert row.text == render("button.stale")
    assert desk.pending("carla") == PendingStep("grant", "name", {"role": "reviewer"})
