"""Handing in files: checks, the task they are for, versions, duplicates, who is told."""

from __future__ import annotations

from handlers.domain import Language
from handlers.messages import Context
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


ALLOWED = "csv, doc, docx, md, odp, ods, odt, pdf, ppt, pptx, txt, xls, xlsx, zip"


def test_refused_files_say_why_and_what_is_allowed_and_store_nothing() -> None:
    desk = _desk("Survey")
    allowed = render("file.allowed", Language.ES, allowed=ALLOWED, limit="20")
    (big,) = desk.upload("diego", "huge.pdf", PDF, size=25 * 1024 * 1024)
    assert big.text == render("file.too_big", Language.ES, name="huge.pdf", size="25",
                              limit="20") + "\n" + allowed
    (lying,) = desk.upload("diego", "small.pdf", b"%PDF" + b"x" * (21 * 1024 * 1024), size=10)
    assert lying.text.startswith(render("file.too_big", Language.ES, name="small.pdf",
                                        size="20", limit="20")[:20])
    assert lying.text.endswith(allowed)
    (empty,) = desk.upload("diego", "empty.pdf", b"")
    assert empty.text == render("file.empty", Language.ES, name="empty.pdf") + "\n" + allowed
    (program,) = desk.upload("diego", "report.pdf", b"MZ\x90\x00program")
    assert program.text == render("file.not_really", Language.ES, name="report.pdf",
                                  kind="PDF", allowed=ALLOWED)
    (page,) = desk.upload("diego", "page.pdf", b"<!doctype html><script>x()</script>")
    assert page.text == render("file.not_really", Language.ES, name="page.pdf", kind="PDF",
                               allowed=ALLOWED)
    (html,) = desk.upload("diego", "page.txt", b"\n <html><script>x()</script>")
    assert html.text == render("file.not_really", Language.ES, name="page.txt", kind="TXT",
                               allowed=ALLOWED)
    (other,) = desk.upload("diego", "photo.png", b"\x89PNG\r\n\x1a\n")
    assert other.text == render("file.bad_type", Language.ES, name="photo.png", allowed=ALLOWED)
    assert versions(desk) == [] and not desk.files.kept


def test_a_caption_naming_a_done_or_unknown_task_is_not_handed_in_elsewhere() -> None:
    desk = _desk("Survey", "Action plan")
    desk.say("carla", "/grant reviewer carla")
    desk.upload("diego", "survey.pdf", PDF, caption="T1")
    desk.reply("carla", Context("round", 1), "Fine.")
    desk.press("carla", "review:approve:1")
    task = desk.read(lambda uow: uow.tasks.get(1))
    assert task is not None and task.done
    (done,) = desk.upload("diego", "survey-v2.pdf", b"%PDF-1.7 again", caption="T1 again")
    assert done.text == render("upload.task_done_ask", Language.ES, task="T1", title="Survey",
                               name="survey-v2.pdf")
    assert data(done) == ["upload:2"]  # the one open task, asked rather than assumed
    assert versions(desk) == [(1, "survey.pdf", "pdf")]
    desk.say("diego", "T1")  # still done: asked again
    pending = desk.pending("diego")
    assert pending is not None and pending.flow == "upload"
    desk.press("diego", "upload:2")
    assert versions(desk, 2) == [(1, "survey-v2.pdf", "pdf")]
    (unknown,) = desk.upload("diego", "plan.pdf", b"%PDF-1.7 plan", caption="T9 final")
    assert unknown.text == render("upload.task_unknown_ask", Language.ES, team="Rivers",
                                  task="T9", name="plan.pdf")
    (by_title,) = desk.upload("diego", "s.pdf", b"%PDF-1.7 s", caption="Survey, corrected")
    assert by_title.text.startswith(render("upload.task_done_ask", Language.ES, task="T1",
                                           title="Survey", name="s.pdf")[:30])


def test_files_refused_for_want_of_a_team_or_task_are_not_kept() -> None:
    desk = _desk()
    (row,) = desk.upload("diego", "draft.pdf", PDF)
    assert row.text == render("upload.no_task", Language.ES, team="Rivers")
    desk.onboard("zoe")
    (alone,) = desk.upload("zoe", "draft.pdf", PDF)
    assert alone.text == render("upload.no_team", name="draft.pdf")
    assert not desk.files.kept


def test_the_team_note_is_kept_with_the_version_without_the_task_code() -> None:
    desk = _desk("Survey", "Action plan")
    desk.upload("diego", "plan.pdf", PDF, caption="T2: tables added")
    (version,) = desk.read(lambda uow: uow.deliverables.versions(1))
    assert (version.note, version.note_language) == ("tables added", Language.ES)


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
