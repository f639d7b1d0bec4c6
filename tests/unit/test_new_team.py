"""``/newteam`` step by step, and coordinators approving or rejecting proposed teams."""

from __future__ import annotations

import pytest

from handlers.domain import Language, PendingStep, Region, TeamStatus
from handlers.messages import Phrase
from tests.unit.fakes import Desk, data, labels, render

REGIONS = ["region:west", "region:east", "region:southern", "region:central", "region:north",
           "region:latam", "region:other"]


def test_guided_newteam_stores_nothing_until_the_region() -> None:
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    desk.onboard("ana", Language.PT)
    (asked,) = desk.say("ana", "/newteam")
    assert asked.text == render("newteam.ask_name", Language.PT)
    assert desk.pending("ana") == PendingStep("newteam", "name", {})
    (asked,) = desk.say("ana", "  Orçamento   Aberto ")
    assert asked.text == render("newteam.ask_topic", Language.PT, team="Orçamento Aberto")
    (asked,) = desk.say("ana", "Participatory budgeting")
    assert asked.text == render("newteam.ask_region", Language.PT) and data(asked) == REGIONS
    assert labels(asked)[0] == render("region.west", Language.PT)
    assert desk.pending("ana") == PendingStep("newteam", "region", {
        "name": "Orçamento Aberto", "topic": "Participatory budgeting"})
    assert desk.teams() == []

    rows = desk.press("ana", "region:southern")
    team = desk.team("orçamento aberto")
    assert team is not None
    assert (team.name, team.topic, team.region) == (
        "Orçamento Aberto", "Participatory budgeting", Region.SOUTHERN_AFRICA)
    assert (team.status, team.leader_id, team.join_code) == (
        TeamStatus.APPROVED, desk.id("ana"), "CODE01")
    assert desk.roster(team) == ["Ana"]
    assert desk.pending("ana") is None
    assert desk.one(rows, "ana").text == render("newteam.created", Language.PT,
                                                team="Orçamento Aberto", code="CODE01")
    assert desk.one(rows, "carla").text == (
        "New team “Orçamento Aberto” (Participatory budgeting, Southern Africa), led by Ana.")


def test_newteam_with_a_name_skips_the_first_question_and_region_can_be_typed() -> None:
    desk = Desk()
    desk.onboard("ana")
    (asked,) = desk.say("ana", "/newteam Rivers")
    assert asked.text == render("newteam.ask_topic", team="Rivers")
    desk.say("ana", "Water")
    (refused,) = desk.say("ana", "Mars")
    assert refused.text == render("newteam.bad_region") and data(refused) == REGIONS
    assert desk.teams() == []
    desk.say("ana", "América Latina")
    team = desk.team("Rivers")
    assert team is not None and team.region == Region.LATIN_AMERICA


@pytest.mark.parametrize("name", ["R", "  é  ", "x" * 61])
def test_a_name_too_short_or_long_is_asked_again(name: str) -> None:
    desk = Desk()
    desk.onboard("ana")
    desk.say("ana", "/newteam")
    (row,) = desk.say("ana", name)
    assert row.text == render("newteam.bad_name")
    assert desk.pending("ana") == PendingStep("newteam", "name", {})


def test_a_short_topic_is_asked_again_keeping_the_name() -> None:
    desk = Desk()
    desk.onboard("ana")
    desk.say("ana", "/newteam Rivers")
    (row,) = desk.say("ana", "W")
    assert row.text == render("newteam.bad_topic")
    assert desk.pending("ana") == PendingStep("newteam", "topic", {"name": "Rivers"})


def test_a_taken_name_is_refused_whatever_its_case() -> None:
    desk = Desk()
    desk.onboard("ana")
    desk.onboard("bob")
    desk.make_team("ana", "Rivers")
    (row,) = desk.say("bob", "/newteam  RIVERS ")
    assert row.text == render("newteam.name_taken", team="RIVERS")
    assert desk.pending("bob") == PendingStep("newteam", "name", {})
    assert [t.name for t in desk.teams()] == ["Rivers"]


def test_cancel_mid_way_stores_nothing() -> None:
    desk = Desk()
    desk.onboard("ana")
    desk.say("ana", "/newteam Rivers")
    desk.say("ana", "Water")
    (row,) = desk.say("ana", "/cancel")
    assert row.text == render("cancel.done")
    assert desk.pending("ana") is None and desk.teams() == []
    (row,) = desk.press("ana", "region:west")
    assert row.text == render("button.stale") and desk.teams() == []


def test_someone_in_a_team_cannot_propose_another() -> None:
    desk = Desk()
    desk.onboard("ana")
    desk.make_team("ana", "Rivers")
    (row,) = desk.say("ana", "/newteam Hills")
    assert row.text == render("team.already_member", team="Rivers")
    assert desk.team("Hills") is None and desk.pending("ana") is None


def test_a_join_code_already_in_use_is_not_given_twice() -> None:
    desk = Desk(codes=["AAA111", "AAA111", "BBB222"])
    desk.onboard("ana")
    desk.onboard("bob")
    first = desk.make_team("ana", "Rivers")
    second = desk.make_team("bob", "Hills")
    assert (first.join_code, second.join_code) == ("AAA111", "BBB222")


def _propose(desk: Desk) -> int:
    for name, language in (("carla", Language.EN), ("dan", Language.FR), ("ana", Language.PT),
                           ("bob", Language.EN)):
        desk.onboard(name, language)
    desk.say("ana", "/newteam Rivers")
    desk.say("ana", "Water")
    rows = desk.press("ana", "region:west")
    team = desk.team("Rivers")
    assert team is not None and team.status == TeamStatus.PENDING
    assert desk.one(rows, "ana").text == render("newteam.pending", Language.PT, team="Rivers")
    for name, language in (("carla", Language.EN), ("dan", Language.FR)):
        request = desk.one(rows, name)
        assert request.language == language
        assert request.text == render("newteam.approval_request", language, team="Rivers",
                                      leader="Ana", topic="Water",
                                      region=Phrase("region.west"))
        assert data(request) == [f"approve:{team.id}", f"reject:{team.id}"]
        assert (request.context, request.context_id) == ("team", team.id)
    assert desk.to(rows, "bob") == []
    return team.id


def test_with_approval_coordinators_get_buttons_and_approve() -> None:
    desk = Desk(coordinators=["carla", "dan"], approval=True)
    team_id = _propose(desk)
    (refused,) = desk.press("bob", f"approve:{team_id}")
    assert refused.text == render("perm.coordinator")
    (refused,) = desk.say("bob", f"/join {desk.codes.issued[0]}")
    assert refused.text == render("join.not_approved", team="Rivers")

    rows = desk.press("carla", f"approve:{team_id}")
    team = desk.team("Rivers")
    assert team is not None and team.status == TeamStatus.APPROVED
    assert desk.store.state.decisions[team_id].by == desk.id("carla")
    assert desk.one(rows, "ana").text == render("team.approved", Language.PT, team="Rivers",
                                                code=team.join_code)
    assert desk.one(rows, "carla").text == "Done: team “Rivers” is approved."
    assert desk.one(rows, "dan").text == render(
        "team.decided_notice", Language.FR, team="Rivers",
        status=Phrase("team_status.approved"), coordinator="Carla")

    (again,) = desk.press("dan", f"reject:{team_id}")
    assert again.text == render("team.already_decided", Language.FR, team="Rivers",
                                status=Phrase("team_status.approved"))
    assert desk.team("Rivers") == team


def test_rejection_frees_the_leader_and_the_name() -> None:
    desk = Desk(coordinators=["carla", "dan"], approval=True)
    team_id = _propose(desk)
    rows = desk.press("dan", f"reject:{team_id}")
    assert desk.one(rows, "ana").text == render("team.rejected", Language.PT, team="Rivers")
    assert desk.one(rows, "dan").text == render("team.decided", Language.FR, team="Rivers",
                                                status=Phrase("team_status.rejected"))
    assert desk.teams()[0].status == TeamStatus.REJECTED
    assert desk.team_of("ana") is None and desk.team("Rivers") is None
    (refused,) = desk.say("bob", f"/join {desk.codes.issued[0]}")
    assert refused.text.startswith("No team has the join code")

    desk.say("bob", "/newteam rivers")
    desk.say("bob", "Water again")
    desk.press("bob", "region:east")
    retry = desk.team("Rivers")
    assert retry is not None and retry.id != team_id and retry.leader_id == desk.id("bob")
    (row,) = desk.say("ana", "/newteam")
    assert row.text == render("newteam.ask_name", Language.PT)


def test_without_any_coordinator_the_proposer_is_told() -> None:
    desk = Desk(approval=True)
    desk.onboard("ana")
    desk.say("ana", "/newteam Rivers")
    desk.say("ana", "Water")
    pending, nobody = desk.press("ana", "region:west")
    assert pending.text == render("newteam.pending", team="Rivers")
    assert nobody.text == render("newteam.no_coordinator")


def test_teams_lists_pending_teams_with_approval_buttons() -> None:
    desk = Desk(coordinators=["carla", "dan"], approval=True)
    team_id = _propose(desk)
    (row,) = desk.say("carla", "/teams")
    assert row.text == "Teams (1):\n• Rivers — West Africa · waiting for approval · members: 1"
    assert labels(row) == ["Approve Rivers", "Reject Rivers"]
    assert data(row) == [f"approve:{team_id}", f"reject:{team_id}"]
    (refused,) = desk.say("ana", "/teams")
    assert refused.text == render("perm.coordinator", Language.PT)


def test_a_stale_pick_button_does_not_name_a_new_team() -> None:
    desk = Desk()
    desk.onboard("ana")
    desk.say("ana", "/newteam")
    (row,) = desk.press("ana", "pick:1")
    assert row.text == render("button.stale")
    assert desk.pending("ana") == PendingStep("newteam", "name", {})
