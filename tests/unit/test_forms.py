"""Forms of the guided commands (handlers/forms.py) on the in-memory fakes: ``/newteam``,
``/newtask`` and ``/reviewer``. A good submission stores what the step-by-step path stores;
each refused value is that field's error, in the person's language, and nothing is stored."""

from __future__ import annotations

import pytest

from handlers.domain import Language, Role
from handlers.forms import WHOLE_FORM, Kind, spec_for
from tests.unit.fakes import Desk, render, user

ANA = user("ana").identity
CARLA = user("carla").identity
DIEGO = user("diego").identity
TEAM = {"name": "Rivers", "topic": "Water", "region": "region:latam"}
TASK = {"title": "Diagnosis", "output": "A 10-page report", "due": "2026-04-30",
        "responsible": "Ana, Diego", "share": "40"}


def people() -> Desk:
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    desk.onboard("ana", Language.PT)
    desk.onboard("diego", Language.ES)
    return desk


def stored(desk: Desk) -> tuple[int, int]:
    """How much is stored: outbox rows, and whether anyone is in the middle of a command."""
    state = desk.store.state
    return len(state.outbox), len(state.conversations)


def test_commands_with_arguments_or_without_steps_have_no_form() -> None:
    assert spec_for("/newtask Diagnosis") is None
    assert spec_for("tasks") is None
    assert spec_for("event edit 3") is None
    spec = spec_for("/newteam")
    assert spec is not None and [f.name for f in spec.fields] == ["name", "topic", "region"]


def test_the_newteam_form_is_in_the_persons_language_with_the_regions_as_choices() -> None:
    desk = people()
    form = desk.helpdesk.form(ANA, "newteam")
    assert form is not None
    assert (form.title, form.submit, form.close) == ("Nova equipe", "Enviar", "Cancelar")
    name, topic, region = form.fields
    assert (name.label, name.kind, name.optional, name.limit) == (
        "Nome da equipe", Kind.LINE, False, 60)
    assert topic.hint == render("form.hint.topic", Language.PT)
    assert region.kind is Kind.CHOICE
    assert region.options[0] == ("region:west", render("region.west", Language.PT))
    assert stored(desk) == (len(desk.store.state.outbox), 0)  # looking stores nothing


def test_a_submitted_newteam_form_stores_what_the_steps_store() -> None:
    by_steps = people()
    by_steps.make_team("ana", "Rivers", topic="Water", region="latam")
    by_form = people()
    before = len(by_form.store.state.outbox)
    assert by_form.helpdesk.submit_form(ANA, "newteam", TEAM) == {}
    assert by_form.teams() == by_steps.teams()
    assert by_form.pending("ana") is None
    rows = by_form.store.state.outbox[before:]
    ana = [e.row for e in rows if e.row.identity == ANA]
    assert [r.text for r in ana] == [render("newteam.created", Language.PT, team="Rivers",
                                            code="CODE01")]
    assert ana[0].chat_id is None  # to Ana's private chat, wherever the form was opened
    assert any(e.row.identity == CARLA for e in rows)  # the coordinators are told


@pytest.mark.parametrize(("field", "value", "key", "params"), [
    ("name", "R", "newteam.bad_name", {}),
    ("topic", "W", "newteam.bad_topic", {}),
    ("region", "region:mars", "form.choose", {}),
    ("region", "deltask:1", "form.choose", {}),  # only the step's own buttons are pressed
    ("name", "", "form.required", {}),
])
def test_each_refused_newteam_value_is_its_fields_error(field: str, value: str, key: str,
                                                        params: dict[str, str]) -> None:
    desk = people()
    before = stored(desk)
    errors = desk.helpdesk.submit_form(ANA, "newteam", {**TEAM, field: value})
    assert errors == {field: render(key, Language.PT, **params)}
    assert desk.teams() == [] and stored(desk) == before


def test_a_taken_name_found_at_the_end_is_the_names_error() -> None:
    desk = people()
    desk.make_team("diego", "Rivers")
    errors = desk.helpdesk.submit_form(ANA, "newteam", TEAM)
    assert errors == {"name": render("newteam.name_taken", Language.PT, team="Rivers")}


def test_someone_in_a_team_gets_no_newteam_form_and_a_submission_is_refused() -> None:
    desk = people()
    desk.make_team("ana", "Rivers")
    assert desk.helpdesk.form(ANA, "newteam") is None  # /newteam then refuses in the chat
    before = stored(desk)
    errors = desk.helpdesk.submit_form(ANA, "newteam", {**TEAM, "name": "Lakes"})
    assert errors == {WHOLE_FORM: render("team.already_member", Language.PT, team="Rivers")}
    assert stored(desk) == before


def test_strangers_get_no_form() -> None:
    desk = people()
    assert desk.helpdesk.form(user("zoe").identity, "newteam") is None
    errors = desk.helpdesk.submit_form(user("zoe").identity, "newteam", TEAM)
    assert errors == {WHOLE_FORM: render("form.stale")}
    assert not desk.known("zoe")


def with_team() -> Desk:
    desk = people()
    desk.make_team("ana", "Rivers", "diego")
    return desk


def test_the_newtask_form_asks_a_leader_from_the_title_and_a_coordinator_the_team() -> None:
    desk = with_team()
    leader = desk.helpdesk.form(ANA, "newtask")
    coordinator = desk.helpdesk.form(CARLA, "newtask")
    assert leader is not None and coordinator is not None
    assert [f.name for f in leader.fields] == ["title", "output", "due", "responsible", "share"]
    assert [f.name for f in coordinator.fields] == ["team", *[f.name for f in leader.fields]]
    output, share = leader.fields[1], leader.fields[4]
    assert (output.kind, output.limit) == (Kind.TEXT, 1000)
    assert share.optional and share.label == "Parcela dos recursos (%)"
    assert desk.helpdesk.form(DIEGO, "newtask") is None  # not the leader


def test_a_submitted_newtask_form_stores_what_the_steps_store() -> None:
    by_steps = with_team()
    for text in ("/newtask Diagnosis", "A 10-page report", "2026-04-30", "Ana, Diego", "40"):
        by_steps.say("ana", text)
    by_form = with_team()
    assert by_form.helpdesk.submit_form(ANA, "newtask", TASK) == {}
    assert by_form.store.state.tasks == by_steps.store.state.tasks
    assert by_form.pending("ana") is None
    told = [e.row for e in by_form.store.state.outbox if e.row.identity == DIEGO]
    assert "T1" in told[-1].text  # Diego hears he is responsible, as on the steps path


def test_no_share_left_empty_and_a_coordinator_names_the_team() -> None:
    desk = with_team()
    values = {**TASK, "team": "Rivers", "share": ""}
    assert desk.helpdesk.submit_form(CARLA, "newtask", values) == {}
    (task,) = desk.store.state.tasks.values()
    assert task.funds_share is None and task.title == "Diagnosis"


@pytest.mark.parametrize(("field", "value", "key", "params"), [
    ("title", "D", "newtask.bad_title", {"limit": 120}),
    ("output", "x", "newtask.bad_output", {"limit": 1000}),
    ("due", "soon", "newtask.bad_due", {"value": "soon"}),
    ("due", "2026-01-01", "newtask.past_due", {"value": "2026-01-01"}),
    ("responsible", "Zé", "newtask.bad_responsible", {"names": "Zé"}),
    ("share", "150", "newtask.bad_share", {"value": "150"}),
])
def test_each_refused_newtask_value_is_its_fields_error(field: str, value: str, key: str,
                                                        params: dict[str, str | int]) -> None:
    desk = with_team()
    before = stored(desk)
    errors = desk.helpdesk.submit_form(ANA, "newtask", {**TASK, field: value})
    assert errors == {field: render(key, Language.PT, **params)}
    assert desk.store.state.tasks == {} and stored(desk) == before


def test_a_coordinators_unknown_team_is_the_team_fields_error() -> None:
    desk = with_team()
    errors = desk.helpdesk.submit_form(CARLA, "newtask", {**TASK, "team": "Lakes"})
    assert errors == {"team": render("team.not_found", team="Lakes")}


def test_a_member_who_does_not_lead_is_refused_as_in_the_chat() -> None:
    desk = with_team()
    errors = desk.helpdesk.submit_form(DIEGO, "newtask", TASK)
    assert errors == {WHOLE_FORM: render("perm.task", Language.ES)}
    assert desk.store.state.tasks == {}


def test_a_required_field_left_empty_is_asked_for() -> None:
    desk = with_team()
    errors = desk.helpdesk.submit_form(CARLA, "newtask", {**TASK, "team": ""})
    assert errors == {"team": render("form.required")}


def reviewer_desk() -> Desk:
    desk = people()
    desk.say("carla", "/grant reviewer Diego")
    return desk


def test_the_reviewer_form_shows_the_current_profile() -> None:
    desk = reviewer_desk()
    assert desk.member("diego").has(Role.REVIEWER)
    assert desk.helpdesk.form(ANA, "reviewer") is None  # not a reviewer
    desk.say("diego", "/reviewer langs es,en topics budgeting,gender")
    form = desk.helpdesk.form(DIEGO, "reviewer")
    assert form is not None and form.title == "Perfil de revisor(a)"
    langs, topics = form.fields
    assert langs.kind is Kind.CHOICES and ("pt", "Português") in langs.options
    assert set(langs.initial) == {"es", "en"} and topics.initial == ("budgeting,gender",)


def test_a_submitted_reviewer_form_saves_the_profile() -> None:
    desk = reviewer_desk()
    errors = desk.helpdesk.submit_form(DIEGO, "reviewer", {"langs": "pt,fr",
                                                           "topics": "water, gender"})
    assert errors == {}
    profile = desk.read(lambda uow: uow.reviews.profile(desk.id("diego")))
    assert profile is not None
    assert profile.languages == {Language.PT, Language.FR}
    assert profile.topics == ("water", "gender")


@pytest.mark.parametrize(("values", "field", "text"), [
    ({"langs": ""}, "langs", render("form.required", Language.ES)),
    ({"langs": "xx"}, "langs", render("reviewer.bad_language", Language.ES, value="xx")),
])
def test_refused_reviewer_values(values: dict[str, str], field: str, text: str) -> None:
    desk = reviewer_desk()
    before = stored(desk)
    assert desk.helpdesk.submit_form(DIEGO, "reviewer", values) == {field: text}
    assert stored(desk) == before
    assert desk.read(lambda uow: uow.reviews.profile(desk.id("diego"))) is None


def test_a_reviewer_form_from_someone_without_the_role_is_refused() -> None:
    desk = reviewer_desk()
    errors = desk.helpdesk.submit_form(ANA, "reviewer", {"langs": "pt"})
    assert errors == {WHOLE_FORM: render("perm.reviewer", Language.PT)}
