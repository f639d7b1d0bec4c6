"""Review decisions are checked on press: only the card's reviewer, only once, only the latest."""

from __future__ import annotations

from dataclasses import replace

import pytest

from handlers.domain import DeliverableStatus, Language
from handlers.messages import Context
from tests.unit.fake_store import FakeReviews
from tests.unit.fakes import Desk, build_help_desk, render


def _desk() -> Desk:
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    desk.onboard("ana", Language.PT, "Maputo")
    desk.onboard("rita", Language.PT, "Luanda")
    desk.onboard("paul", Language.EN, "Nairobi")
    desk.make_team("ana", "Rivers")
    for name in ("rita", "paul"):
        desk.say("carla", f"/grant reviewer {name}")
    desk.say("rita", "/reviewer langs pt topics water")
    for answer in ("/newtask Survey", "Report", "2026-03-15", "Ana", "-"):
        desk.say("ana", answer)
    desk.upload("ana", "v1.pdf", b"%PDF-1.7 one")
    return desk


def status(desk: Desk) -> DeliverableStatus:
    found = desk.read(lambda uow: uow.deliverables.get(1))
    assert found is not None
    return found.status


def test_the_best_reviewer_gets_the_card_and_the_deliverable_is_in_review() -> None:
    desk = _desk()
    assert desk.read(lambda uow: uow.reviews.reviewers_of(1)) == [desk.id("rita")]
    assert status(desk) == DeliverableStatus.IN_REVIEW


def test_someone_else_pressing_the_reviewers_buttons_changes_nothing() -> None:
    desk = _desk()
    for who, language in (("paul", Language.EN), ("ana", Language.PT)):
        (row,) = desk.press(who, "review:approve:1")
        assert row.text == render("review.not_yours", language, code="D1")
    assert status(desk) == DeliverableStatus.IN_REVIEW


def test_approving_twice_or_an_old_version_is_refused() -> None:
    desk = _desk()
    desk.reply("rita", Context("round", 1), "Add the 2025 figures.")
    desk.press("rita", "review:changes:1")
    assert status(desk) == DeliverableStatus.CHANGES_REQUESTED
    (again,) = desk.press("rita", "review:approve:1")
    assert again.text == render("review.closed", Language.PT, code="D1", version=1)
    desk.upload("ana", "v2.pdf", b"%PDF-1.7 two")
    desk.press("rita", "review:approve:2")
    assert status(desk) == DeliverableStatus.APPROVED
    (twice,) = desk.press("rita", "review:approve:2")
    assert twice.text == render("review.closed", Language.PT, code="D1", version=2)
    task = desk.read(lambda uow: uow.tasks.get(1))
    assert task is not None and task.done


def test_forged_review_buttons_are_stale() -> None:
    desk = _desk()
    for data in ("review:approve:99", "review:explode:1", "review:approve:x", "review:"):
        (row,) = desk.press("rita", data)
        assert row.text == render("button.stale", Language.PT)


def test_a_comment_after_approval_is_refused() -> None:
    desk = _desk()
    desk.press("rita", "review:approve:1")
    (row,) = desk.reply("rita", Context("round", 1), "one more thing")
    assert row.text == render("review.closed", Language.PT, code="D1", version=1)


def test_request_changes_needs_a_comment_first() -> None:
    desk = _desk()
    (row,) = desk.press("rita", "review:changes:1")
    assert row.text == render("review.changes_need_comment", Language.PT, code="D1", version=1)
    assert status(desk) == DeliverableStatus.IN_REVIEW
    desk.reply("rita", Context("round", 1), "Add the 2025 figures.")
    rows = desk.press("rita", "review:changes:1")
    assert "• Add the 2025 figures." in desk.one(rows, "ana").text


def test_a_press_that_lost_the_race_tells_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    desk = _desk()
    # Another transaction decided the round between this one's check and its update.
    monkeypatch.setattr(FakeReviews, "decide", lambda self, *args: False)
    rows = desk.press("rita", "review:approve:1")
    assert [r.text for r in rows] == [render("review.closed", Language.PT, code="D1",
                                             version=1)]
    assert status(desk) == DeliverableStatus.IN_REVIEW


def test_an_old_card_after_a_new_version_takes_neither_decisions_nor_comments() -> None:
    desk = _desk()
    desk.upload("ana", "v2.pdf", b"%PDF-1.7 two")  # round 1 was still open: superseded
    for press in ("review:approve:1", "review:decline:1"):
        (row,) = desk.press("rita", press)
        assert row.text == render("review.closed", Language.PT, code="D1", version=1)
    (row,) = desk.reply("rita", Context("round", 1), "late")
    assert row.text == render("review.closed", Language.PT, code="D1", version=1)
    rounds = desk.read(lambda uow: uow.reviews.rounds(1))
    assert [(r.number, r.decision) for r in rounds] == [(1, "superseded"), (2, None)]


def _two_per_deliverable(desk: Desk) -> Desk:
    desk.settings = replace(desk.settings, reviewers_per_deliverable=2)
    desk.helpdesk = build_help_desk(desk.store, desk.settings, desk.clock, desk.codes,
                                    desk.files)
    return desk


def test_assign_adds_a_reviewer_while_places_are_free_then_replaces() -> None:
    desk = Desk(coordinators=["carla"])
    for name in ("carla", "ana", "rita", "paul", "zoe"):
        desk.onboard(name)
    _two_per_deliverable(desk)
    desk.make_team("ana", "Rivers")
    desk.say("carla", "/grant reviewer rita")
    for answer in ("/newtask Survey", "Report", "2026-03-15", "Ana", "-"):
        desk.say("ana", answer)
    desk.upload("ana", "v1.pdf")
    assert desk.read(lambda uow: uow.reviews.reviewers_of(1)) == [desk.id("rita")]
    for name in ("paul", "zoe"):
        desk.say("carla", f"/grant reviewer {name}")
    rows = desk.say("carla", "/assign D1 Paul")
    assert desk.one(rows, "carla").text == render("assign.done", name="Paul", code="D1")
    desk.reply("rita", Context("round", 1), "Fine.")
    desk.press("rita", "review:approve:1")
    rows = desk.say("carla", "/assign D1 Zoe")  # full: Paul, still to decide, is replaced
    assert desk.one(rows, "carla").text == render("assign.replaced", name="Zoe", code="D1",
                                                  old="Paul")
    assert desk.one(rows, "paul").text == render("assign.replaced_you", code="D1",
                                                 team="Rivers", task="T1", title="Survey")
    assert desk.read(lambda uow: uow.reviews.reviewers_of(1)) == [desk.id("rita"),
                                                                 desk.id("zoe")]
    (card,) = desk.to(rows, "zoe")
    assert render("review.card", team="Rivers", task="T1", title="Survey", due="2026-03-15",
                  code="D1", version=1, round=1) in card.text
    assert status(desk) == DeliverableStatus.IN_REVIEW
    rows = desk.press("zoe", f"review:approve:{card.context_id}")
    assert status(desk) == DeliverableStatus.APPROVED
    assert desk.one(rows, "ana").text.startswith("D1 v1 of “Rivers” is approved by Rita, Zoe")
