"""Tasks: who may change them, how dates, people and funds shares are checked."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.domain import Language
from handlers.tasks import due_moment, parse_due
from tests.unit.fakes import Desk, data, render


def _desk() -> Desk:
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    desk.onboard("ana", Language.PT, "Maputo")
    desk.onboard("diego", Language.ES, "Lima")
    desk.make_team("ana", "Rivers", "diego")
    return desk


@pytest.mark.parametrize(("text", "day"), [
    ("2026-12-15", date(2026, 12, 15)), ("15/12/2026", date(2026, 12, 15)),
    ("15.12.2026", date(2026, 12, 15)), ("5-1-2027", date(2027, 1, 5)),
    ("2026-02-30", None), ("tomorrow", None), ("12/2026", None), ("", None)])
def test_due_dates_people_type(text: str, day: date | None) -> None:
    assert parse_due(text) == day


def test_a_due_date_ends_at_midnight_in_the_teams_zone() -> None:
    moment = due_moment(date(2026, 3, 15), "Africa/Maputo")  # UTC+2
    assert moment.isoformat() == "2026-03-15T21:59:59+00:00"
    assert due_moment(date(2026, 3, 15), "-05:00").isoformat() == "2026-03-16T04:59:59+00:00"


def test_a_task_in_one_go_and_who_hears_of_it() -> None:
    desk = _desk()
    for answer in ("/newtask Baseline survey", "A 10-page report", "2026-03-15", "Diego"):
        desk.say("ana", answer)
    rows = desk.press("ana", "share:-")
    (task,) = desk.read(lambda uow: uow.tasks.of_team(desk.team("Rivers").id))  # type: ignore[union-attr]
    assert (task.title, task.output, task.due_date, task.funds_share) == (
        "Baseline survey", "A 10-page report", date(2026, 3, 15), None)
    assert task.responsible == (desk.id("diego"),)
    assert desk.one(rows, "diego").text == render("task.assigned_you", Language.ES, code="T1",
                                                  title="Baseline survey", due="2026-03-15",
                                                  by="Ana")
    assert desk.pending("ana") is None


def test_only_the_leader_or_a_coordinator_changes_tasks() -> None:
    desk = _desk()
    for answer in ("/newtask Survey", "Report", "2026-03-15", "Ana", "-"):
        desk.say("ana", answer)
    for command in ("/newtask X", "/edittask T1", "/deltask T1", "/edittask T1 title Mine"):
        (row,) = desk.say("diego", command)
        assert row.text == render("perm.task", Language.ES)
    assert desk.read(lambda uow: uow.tasks.get(1)).title == "Survey"  # type: ignore[union-attr]
    (row,) = desk.say("carla", "/newtask")  # a coordinator outside teams is asked which team
    assert row.text == render("newtask.ask_team")
    desk.say("carla", "Rivers")
    assert desk.pending("carla").step == "title"  # type: ignore[union-attr]


def test_a_forged_field_or_removal_button_does_nothing() -> None:
    desk = _desk()
    (row,) = desk.press("diego", "deltask:1")
    assert row.text == render("task.not_found", Language.ES, code="1")
    (row,) = desk.press("ana", "field:title")
    assert row.text == render("button.stale", Language.PT)


def test_removing_asks_first() -> None:
    desk = _desk()
    for answer in ("/newtask Survey", "Report", "2026-03-15", "Ana", "-"):
        desk.say("ana", answer)
    (confirm,) = desk.say("ana", "/deltask t1")
    assert data(confirm) == ["deltask:1", "cancel"]
    assert desk.read(lambda uow: uow.tasks.get(1)) is not None
    desk.press("ana", "deltask:1")
    assert desk.read(lambda uow: uow.tasks.get(1)) is None


@pytest.mark.parametrize("title", ["X", "x" * 121, "  y  "])
def test_a_title_given_with_the_command_is_checked_like_a_typed_one(title: str) -> None:
    desk = _desk()
    (row,) = desk.say("ana", f"/newtask {title}")
    assert row.text == render("newtask.bad_title", Language.PT, limit=120)
    step = desk.pending("ana")
    assert step is not None and (step.step, step.data.get("title")) == ("title", "")
    for answer in ("Survey", "Report", "2026-03-15", "Ana", "-"):
        desk.say("ana", answer)
    task = desk.read(lambda uow: uow.tasks.get(1))
    assert task is not None and task.title == "Survey"


def test_a_coordinators_title_with_the_command_is_checked_after_the_team() -> None:
    desk = _desk()
    desk.say("carla", "/newtask " + "x" * 300)
    (row,) = desk.say("carla", "Rivers")
    assert row.text == render("newtask.bad_title", limit=120)
    assert desk.read(lambda uow: uow.tasks.get(1)) is None


def test_an_edited_title_is_checked_on_every_path() -> None:
    desk = _desk()
    for answer in ("/newtask Survey", "Report", "2026-03-15", "Ana", "-"):
        desk.say("ana", answer)
    (row,) = desk.say("ana", "/edittask T1 title " + "x" * 121)
    assert row.text == render("newtask.bad_title", Language.PT, limit=120)
    desk.say("ana", "/edittask T1")
    desk.press("ana", "field:title")
    (row,) = desk.say("ana", "Y")
    assert row.text == render("newtask.bad_title", Language.PT, limit=120)
    desk.say("ana", "Baseline " * 13)  # spaces collapse: 116 characters
    task = desk.read(lambda uow: uow.tasks.get(1))
    assert task is not None and task.title == ("Baseline " * 13).strip()
