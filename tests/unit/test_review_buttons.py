"""Review decisions are checked on press: only the card's reviewer, only once, only the latest."""

from __future__ import annotations

from handlers.domain import DeliverableStatus, Language
from handlers.messages import Context
from tests.unit.fakes import Desk, render


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
