"""Handing in files: checks, the task they are for, versions, duplicates, who is told."""

from __future__ import annotations

from handlers.domain import Language
from tests.unit.fakes import Desk, data, render

PDF = b"%PDF-1.7 first draft"


def _desk(*tasks: str) -> Desk:
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    desk.onboard("ana", Language.PT, "Maputo")
    desk.onboard("diego", Language.ES, "Lima")
    desk.make_team("ana", "Rivers", "diego")
    for title in tasks:
        for answer in (f"/newtask {title}", "Report", "2026-03-15", "Ana", "-"):
            desk.say("ana", answer)
    return desk


def versions(desk: Desk, deliverable_id: int = 1) -> list[tuple[int, str, str]]:
    found = desk.read(lambda uow: uow.deliverables.versions(deliverable_id))
    return [(v.number, v.filename, v.kind) for v in found]


def test_the_only_open_task_needs_no_question() -> None:
    desk = _desk("Survey")
    rows = desk.upload("diego", "Encuesta final.PDF", PDF)
    receipt = desk.one(rows, "diego")
    assert receipt.text == "\n".join([
        render("upload.received", Language.ES, name="Encuesta final.pdf", code="D1", version=1,
               task="T1", title="Survey"),
        render("review.receipt_waiting", Language.ES)])  # no reviewer in this desk
    assert desk.one(rows, "carla").text == render("review.nobody", code="D1", team="Rivers")
    assert (receipt.context, receipt.context_id) == ("deliverable", 1)
    assert desk.one(rows, "ana").text == render("upload.notice", Language.PT, name="Diego",
                                                code="D1", version=1, task="T1",
                                                title="Survey")
    assert versions(desk) == [(1, "Encuesta final.pdf", "pdf")]
    assert desk.files.kept  # the bytes are kept by their sha256


def test_several_open_tasks_ask_which_unless_the_caption_says() -> None:
    desk = _desk("Survey", "Action plan")
    (asked,) = desk.upload("diego", "plan.pdf", PDF)
    assert asked.text == render("upload.ask_task", Language.ES, name="plan.pdf")
    assert data(asked) == ["upload:1", "upload:2"]
    desk.press("diego", "upload:2")
    assert desk.read(lambda uow: uow.deliverables.for_task(2)) is not None
    desk.upload("diego", "survey.pdf", b"%PDF-1.7 survey", caption="T1 first version")
    desk.upload("diego", "survey2.pdf", b"%PDF-1.7 survey 2", caption="survey, corrected")
    assert [v[0] for v in versions(desk, 2)] == [1, 2]  # deliverable 2 is T1's


def test_a_new_upload_is_the_next_version_and_the_same_bytes_are_recognised() -> None:
    desk = _desk("Survey")
    desk.upload("diego", "v1.pdf", PDF)
    desk.upload("ana", "v2.pdf", b"%PDF-1.7 second draft")
    (again,) = desk.upload("diego", "copy.pdf", PDF)
    assert again.text == render("upload.duplicate", Language.ES, code="D1", version=1,
                                task="T1")
    assert [v[0] for v in versions(desk)] == [1, 2]


def test_refused_files_say_why_and_store_nothing() -> None:
    desk = _desk("Survey")
    (big,) = desk.upload("diego", "huge.pdf", PDF, size=25 * 1024 * 1024)
    assert big.text == render("file.too_big", Language.ES, name="huge.pdf", size="25",
                              limit="20")
    (lying,) = desk.upload("diego", "small.pdf", b"%PDF" + b"x" * (21 * 1024 * 1024), size=10)
    assert lying.text.startswith(render("file.too_big", Language.ES, name="small.pdf",
                                        size="20", limit="20")[:20])
    (empty,) = desk.upload("diego", "empty.pdf", b"")
    assert empty.text == render("file.empty", Language.ES, name="empty.pdf")
    (program,) = desk.upload("diego", "report.pdf", b"MZ\x90\x00program")
    assert program.text.startswith(render("file.bad_type", Language.ES, name="report.pdf",
                                          allowed="")[:30])
    assert "csv, doc, docx" in program.text
    assert versions(desk) == [] and not desk.files.kept


def test_no_open_task_means_asking_the_leader_first() -> None:
    desk = _desk()
    (row,) = desk.upload("diego", "draft.pdf", PDF)
    assert row.text == render("upload.no_task", Language.ES, team="Rivers")


def test_an_old_task_button_is_stale_and_a_typed_task_works() -> None:
    desk = _desk("Survey", "Action plan")
    (row,) = desk.press("diego", "upload:1")
    assert row.text == render("button.stale", Language.ES)
    desk.upload("diego", "plan.pdf", PDF)
    desk.say("diego", "T9")  # no such open task: asked again
    assert desk.pending("diego") is not None
    desk.say("diego", "t2")
    assert desk.read(lambda uow: uow.deliverables.for_task(2)) is not None
    assert desk.pending("diego") is None
