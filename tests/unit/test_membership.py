"""``/join``, ``/leave`` and ``/team``."""

from __future__ import annotations

from handlers.domain import Language, PendingStep
from handlers.messages import Phrase
from tests.unit.fakes import Desk, data, render


def _desk() -> Desk:
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    desk.onboard("ana", Language.PT, "Maputo")
    desk.onboard("diego", Language.ES, "Lima")
    desk.onboard("amadou", Language.FR, "Dakar")
    return desk


def test_join_with_a_wrong_code_is_refused() -> None:
    desk = _desk()
    desk.make_team("ana", "Rivers")
    (row,) = desk.say("diego", "/join NOPE42")
    assert row.text == render("join.bad_code", Language.ES, code="NOPE42")
    assert desk.team_of("diego") is None


def test_join_tells_existing_members_in_their_own_languages() -> None:
    desk = _desk()
    team = desk.make_team("ana", "Rivers", "diego")
    rows = desk.say("amadou", f"/join {team.join_code.lower()}")
    assert desk.roster(team) == ["Ana", "Diego", "Amadou"]
    assert sorted(desk.recipients(rows)) == sorted([desk.id(n) for n in ("ana", "diego", "amadou")])
    done = desk.one(rows, "amadou")
    assert (done.language, done.chat_id) == (Language.FR, "amadou")
    assert done.text == render("join.done", Language.FR, team="Rivers", leader="Ana")
    for name, language in (("ana", Language.PT), ("diego", Language.ES)):
        notice = desk.one(rows, name)
        assert notice.language == language and notice.chat_id is None
        assert notice.text == render("join.notice", language, team="Rivers", name="Amadou",
                                     language="Français", zone="Dakar")
    assert desk.to(rows, "carla") == []


def test_bare_join_asks_for_the_code() -> None:
    desk = _desk()
    team = desk.make_team("ana", "Rivers")
    (asked,) = desk.say("diego", "/join")
    assert asked.text == render("join.ask_code", Language.ES)
    assert desk.pending("diego") == PendingStep("join", "code", {})
    desk.say("diego", f" {team.join_code} ")
    assert desk.team_of("diego") == team and desk.pending("diego") is None


def test_a_wrong_typed_code_ends_the_join_flow() -> None:
    desk = _desk()
    desk.say("diego", "/join")
    (row,) = desk.say("diego", "hola")
    assert row.text == render("join.bad_code", Language.ES, code="hola")
    assert desk.pending("diego") is None


def test_cannot_join_a_pending_team() -> None:
    desk = Desk(coordinators=["carla"], approval=True)
    desk.onboard("carla")
    desk.onboard("ana")
    desk.onboard("bob")
    desk.say("ana", "/newteam Rivers")
    desk.say("ana", "Water")
    desk.press("ana", "region:west")
    (row,) = desk.say("bob", "/join CODE01")
    assert row.text == render("join.not_approved", team="Rivers")
    assert desk.team_of("bob") is None


def test_already_in_a_team() -> None:
    desk = _desk()
    rivers = desk.make_team("ana", "Rivers", "diego")
    hills = desk.make_team("amadou", "Hills")
    (same,) = desk.say("diego", f"/join {rivers.join_code}")
    assert same.text == render("join.already_in", Language.ES, team="Rivers")
    (other,) = desk.say("diego", f"/join {hills.join_code}")
    assert other.text == render("team.already_member", Language.ES, team="Rivers")
    assert desk.roster(hills) == ["Amadou"] and desk.team_of("diego") == rivers


def test_leave_asks_for_confirmation_then_leaves() -> None:
    desk = _desk()
    team = desk.make_team("ana", "Rivers", "diego", "amadou")
    (confirm,) = desk.say("diego", "/leave")
    assert confirm.text == render("leave.confirm", Language.ES, team="Rivers")
    assert data(confirm) == [f"leave:{team.id}", "cancel"]
    assert desk.roster(team) == ["Ana", "Diego", "Amadou"]

    rows = desk.press("diego", f"leave:{team.id}")
    assert desk.roster(team) == ["Ana", "Amadou"] and desk.team_of("diego") is None
    assert desk.one(rows, "diego").text == render("leave.done", Language.ES, team="Rivers")
    assert desk.one(rows, "ana").text == render("leave.notice", Language.PT, team="Rivers",
                                                name="Diego")
    assert desk.one(rows, "amadou").language == Language.FR
    (stale,) = desk.press("diego", f"leave:{team.id}")
    assert stale.text == render("button.stale", Language.ES)


def test_a_leader_with_members_must_hand_over_first() -> None:
    desk = _desk()
    team = desk.make_team("ana", "Rivers", "diego")
    (row,) = desk.say("ana", "/leave")
    assert row.text == render("leave.leader_first", Language.PT, team="Rivers")
    assert row.buttons == []
    (row,) = desk.press("ana", f"leave:{team.id}")  # an old confirmation does not help
    assert row.text == render("leave.leader_first", Language.PT, team="Rivers")
    assert desk.roster(team) == ["Ana", "Diego"]


def test_the_last_member_leaving_closes_the_team_and_frees_its_name() -> None:
    desk = _desk()
    team = desk.make_team("ana", "Rivers")
    (row,) = desk.press("ana", f"leave:{team.id}")
    assert row.text == render("leave.dissolved", Language.PT, team="Rivers")
    assert desk.team("Rivers") is None and desk.team_of("ana") is None
    again = desk.make_team("diego", "Rivers")  # the name can be used again
    assert again.id != team.id


def test_a_co_leader_leaving_frees_the_co_leader_slot() -> None:
    desk = _desk()
    team = desk.make_team("ana", "Rivers", "diego")
    desk.say("ana", "/colead Diego")
    desk.press("diego", f"leave:{team.id}")
    left = desk.team("Rivers")
    assert left is not None and (left.leader_id, left.co_leader_id) == (desk.id("ana"), None)


def test_leave_outside_a_team() -> None:
    desk = _desk()
    (row,) = desk.say("diego", "/leave")
    assert row.text == render("team.none", Language.ES)
    (row,) = desk.press("diego", "leave:1")
    assert row.text == render("button.stale", Language.ES)


def test_cancel_under_the_leave_confirmation_acknowledges() -> None:
    desk = _desk()
    team = desk.make_team("ana", "Rivers", "diego")
    (confirm,) = desk.say("diego", "/leave")
    assert data(confirm) == [f"leave:{team.id}", "cancel"]
    (row,) = desk.press("diego", "cancel")
    assert row.text == render("cancel.done", Language.ES)
    assert desk.roster(team) == ["Ana", "Diego"]


def test_team_shows_roles_languages_and_local_times() -> None:
    desk = _desk()
    team = desk.make_team("ana", "Rivers", "diego", "amadou")
    desk.say("ana", "/colead Diego")
    (row,) = desk.say("amadou", "/team")
    assert row.language == Language.FR
    lines = row.text.split("\n")
    assert lines[0] == render("team.header", Language.FR, team="Rivers", topic=team.topic,
                              region=Phrase("region.west"), status=Phrase("team_status.approved"))
    assert lines[1] == render("team.code", Language.FR, code=team.join_code)
    role = {n: Phrase(f"team_role.{r}") for n, r in
            (("Ana", "leader"), ("Diego", "coleader"), ("Amadou", "member"))}
    assert lines[2:] == [
        render("team.member_line", Language.FR, name="Ana", role=role["Ana"],
               language="Português", zone="Maputo", time="14:00"),
        render("team.member_line", Language.FR, name="Diego", role=role["Diego"],
               language="Español", zone="Lima", time="07:00"),
        render("team.member_line", Language.FR, name="Amadou", role=role["Amadou"],
               language="Français", zone="Dakar", time="12:00"),
    ]


def test_team_by_name_is_for_coordinators() -> None:
    desk = _desk()
    desk.make_team("ana", "Rivers")
    (row,) = desk.say("diego", "/team Rivers")
    assert row.text == render("perm.coordinator", Language.ES)
    (row,) = desk.say("carla", "/team rivers")
    assert row.text.startswith("Team “Rivers” — Participatory budgeting · West Africa")
    (row,) = desk.say("carla", "/team Hills")
    assert row.text == render("team.not_found", team="Hills")
    (row,) = desk.say("carla", "/team")
    assert row.text == render("team.none")
