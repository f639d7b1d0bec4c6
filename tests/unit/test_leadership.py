"""``/leader`` and ``/colead``: by the team's leader, by a coordinator, refused to others."""

from __future__ import annotations

from handlers.domain import Language, PendingStep, Team
from handlers.messages import UserRef
from tests.unit.fakes import Desk, data, labels, render

SILVA = UserRef("console:msilva", "Maria  Silva")  # display names are tidied when stored
SOUZA = UserRef("console:msouza", "Maria Souza")


def _desk() -> Desk:
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    desk.onboard("ana", Language.PT)
    desk.onboard("diego", Language.ES)
    desk.onboard("amadou", Language.FR)
    desk.onboard("zoe")
    desk.make_team("ana", "Rivers", "diego", "amadou")
    return desk


def _current(desk: Desk) -> Team:
    team = desk.team("Rivers")
    assert team is not None
    return team


def test_the_leader_hands_over_and_stays_a_member() -> None:
    desk = _desk()
    rows = desk.say("ana", "/leader diego")
    after = _current(desk)
    assert after.leader_id == desk.id("diego")
    assert desk.roster(after) == ["Ana", "Diego", "Amadou"]
    assert sorted(desk.recipients(rows)) == sorted(desk.id(n) for n in ("ana", "diego", "amadou"))
    for name, language in (("ana", Language.PT), ("diego", Language.ES), ("amadou", Language.FR)):
        notice = desk.one(rows, name)
        assert notice.text == render("leader.notice", language, name="Diego", team="Rivers",
                                     by="Ana")
    (refused,) = desk.say("ana", "/colead amadou")  # no longer the leader
    assert refused.text == render("perm.leader", Language.PT)


def test_the_leader_names_a_co_leader() -> None:
    desk = _desk()
    rows = desk.say("ana", "/colead Amadou")
    after = _current(desk)
    assert (after.leader_id, after.co_leader_id) == (desk.id("ana"), desk.id("amadou"))
    assert desk.one(rows, "amadou").text == render(
        "colead.notice", Language.FR, name="Amadou", team="Rivers", by="Ana")
    assert len(rows) == 3


def test_handing_over_to_the_co_leader_empties_the_co_leader_slot() -> None:
    desk = _desk()
    desk.say("ana", "/colead diego")
    desk.say("ana", "/leader diego")
    after = _current(desk)
    assert (after.leader_id, after.co_leader_id) == (desk.id("diego"), None)


def test_a_coordinator_outside_the_team_may_do_it_and_is_told_too() -> None:
    desk = _desk()
    rows = desk.say("carla", "/colead Diego")
    assert _current(desk).co_leader_id == desk.id("diego")
    assert sorted(desk.recipients(rows)) == sorted(
        desk.id(n) for n in ("ana", "diego", "amadou", "carla"))
    assert desk.one(rows, "carla").text == render("colead.notice", name="Diego", team="Rivers",
                                                  by="Carla")
    desk.say("carla", "/leader amadou")
    assert _current(desk).leader_id == desk.id("amadou")


def test_a_coordinator_naming_someone_without_a_team() -> None:
    desk = _desk()
    team = _current(desk)
    (row,) = desk.say("carla", "/leader Zoe")
    assert row.text == render("person.no_team", name="Zoe")
    assert _current(desk) == team and desk.pending("carla") is None


def test_plain_members_and_co_leaders_are_refused() -> None:
    desk = _desk()
    desk.say("ana", "/colead diego")
    before = _current(desk)
    for name, language in (("amadou", Language.FR), ("diego", Language.ES), ("zoe", Language.EN)):
        for command in ("/leader amadou", "/colead amadou", "/leader"):
            (row,) = desk.say(name, command)
            assert row.text == render("perm.leader", language)
            assert desk.pending(name) is None
    assert _current(desk) == before


def test_the_leader_cannot_name_someone_outside_the_team() -> None:
    desk = _desk()
    team = _current(desk)
    (row,) = desk.say("ana", "/leader zoe")
    assert row.text == render("person.not_found", Language.PT, name="zoe")
    assert desk.pending("ana") == PendingStep("leader", "name", {})
    (row,) = desk.press("ana", f"pick:x:{desk.id('zoe')}")  # a forged pick does not help either
    assert row.text == render("button.stale", Language.PT)
    (row,) = desk.say("ana", f"#{desk.id('zoe')}")  # nor typing Zoe's number
    assert row.text == render("person.not_found", Language.PT, name=f"#{desk.id('zoe')}")
    assert _current(desk) == team


def test_already_leader_or_co_leader() -> None:
    desk = _desk()
    (row,) = desk.say("ana", "/leader Ana")
    assert row.text == render("leader.already", Language.PT, name="Ana", team="Rivers")
    (row,) = desk.say("ana", "/colead ana")
    assert row.text == render("colead.is_leader", Language.PT, name="Ana", team="Rivers")
    desk.say("ana", "/colead diego")
    (row,) = desk.say("ana", "/colead diego")
    assert row.text == render("colead.already", Language.PT, name="Diego", team="Rivers")


def test_bare_colead_asks_for_the_name() -> None:
    desk = _desk()
    (asked,) = desk.say("ana", "/colead")
    assert asked.text == render("colead.ask_name", Language.PT)
    pending = desk.pending("ana")
    assert pending is not None and (pending.flow, pending.step) == ("colead", "name")
    assert labels(asked) == [f"{n} (#{desk.id(n.lower())})" for n in ("Ana", "Diego", "Amadou")]
    desk.say("ana", "amadou")
    assert _current(desk).co_leader_id == desk.id("amadou")
    assert desk.pending("ana") is None


def test_an_ambiguous_name_offers_picks_and_a_pick_completes_it() -> None:
    desk = _desk()
    team = _current(desk)
    for who in (SILVA, SOUZA):
        desk.say(who, f"/join {team.join_code}")
    (asked,) = desk.say("ana", "/leader maria")
    silva, souza = desk.id(SILVA), desk.id(SOUZA)
    assert asked.text == render("person.ambiguous", Language.PT, name="maria")
    pending = desk.pending("ana")
    assert pending is not None and (pending.flow, pending.step) == ("leader", "name")
    question = pending.data["q"]
    assert data(asked) == [f"pick:{question}:{silva}", f"pick:{question}:{souza}"]
    assert labels(asked) == [f"Maria Silva (#{silva})", f"Maria Souza (#{souza})"]

    rows = desk.press("ana", f"pick:{question}:{souza}")
    assert _current(desk).leader_id == souza
    assert desk.one(rows, "ana").text == render("leader.notice", Language.PT,
                                                name="Maria Souza", team="Rivers", by="Ana")
    assert desk.pending("ana") is None
    (stale,) = desk.press("ana", f"pick:{question}:{silva}")
    assert stale.text == render("button.stale", Language.PT)
    assert _current(desk).leader_id == souza
