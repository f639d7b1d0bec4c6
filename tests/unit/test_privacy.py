"""/export, /forget and /audit on the in-memory fakes: what each one says, to whom, in which
language, and what it refuses; files are deleted only after the transaction is committed."""

from __future__ import annotations

import json

from handlers.domain import Language
from handlers.messages import ChatRef, Inbound
from handlers.ports import OutboxRow
from tests.unit.fakes import Desk, MemoryFiles, build_help_desk, data, labels, render, user


def _desk() -> Desk:
    desk = Desk(coordinators=["carla"])
    desk.onboard("carla")
    desk.onboard("ana", Language.PT, "Maputo")
    desk.onboard("bob", Language.FR, "Dakar")
    desk.make_team("ana", "Rivers", "bob")
    return desk


def _export(desk: Desk, row: OutboxRow) -> dict[str, object]:
    (attachment,) = row.attachments
    assert attachment.location is not None
    content = desk.files.kept[attachment.location.removeprefix("kept:")]
    loaded: dict[str, object] = json.loads(content)
    return loaded


def test_export_is_a_json_file_of_the_members_own_data() -> None:
    desk = _desk()
    desk.say("ana", "/ask Onde está o modelo?")
    desk.say("bob", "/ask Question privée de Bob")
    (row,) = desk.say("ana", "/export")
    assert row.text == render("export.ready", Language.PT, name="peerdesk-export-2026-03-02.json")
    assert row.attachments[0].filename == "peerdesk-export-2026-03-02.json"
    assert row.attachments[0].content_type == "application/json"
    document = _export(desk, row)
    assert document["member_number"] == desk.id("ana")
    assert document["accounts"] == [{"account": "console:ana"}]
    assert document["help_requests"] == [{"request_id": 1, "text": "Onde está o modelo?"}]
    raw = json.dumps(document, ensure_ascii=False)
    assert "console:bob" not in raw and "Question privée de Bob" not in raw


def test_export_refuses_arguments_and_groups() -> None:
    desk = _desk()
    (row,) = desk.say("bob", "/export tout")
    assert row.text == render("export.usage", Language.FR, value="tout")
    group = ChatRef("console", "rivers-group", is_private=False, title="Rivers")
    (row,) = desk.send(Inbound(user("bob"), group, text="/export"))
    assert row.text == render("privacy.private_only", Language.FR, command="/export")
    assert not row.attachments


def test_forget_asks_first_and_deletes_after_yes() -> None:
    desk = _desk()
    (exported,) = desk.say("bob", "/export")
    export_sha = exported.attachments[0].location
    (question,) = desk.say("bob", "/forget")
    assert labels(question) == [render("forget.button.yes", Language.FR),
                                render("button.cancel", Language.FR)]
    assert render("forget.what_goes", Language.FR) in question.text
    (typed,) = desk.say("bob", "oui")
    assert typed.text == render("forget.use_buttons", Language.FR)
    rows = desk.press("bob", data(question)[0])
    goodbye = next(r for r in rows if r.member_id == question.member_id)
    assert goodbye.text == render("forget.done", Language.FR)
    assert goodbye.identity == "console:bob" and goodbye.context == "forgotten"
    ana = desk.one(rows, "ana")
    assert ana.text.startswith(render("forget.team_notice", Language.PT, team="Rivers"))
    assert not desk.known("bob")
    assert desk.roster(desk.team("Rivers") or desk.teams()[0]) == ["Ana"]
    assert export_sha is not None and export_sha.removeprefix("kept:") not in desk.files.kept


def test_files_are_deleted_only_once_committed() -> None:
    desk = _desk()
    seen: list[bool] = []

    class Watching(MemoryFiles):
        def discard(self, sha256: str) -> None:
            seen.append("console:bob" in desk.store.state.identities)
            super().discard(sha256)

    watching = Watching()
    watching.kept = desk.files.kept
    desk.files = watching
    desk.helpdesk = build_help_desk(desk.store, desk.settings, desk.clock, desk.codes, watching)
    desk.say("bob", "/export")
    (question,) = desk.say("bob", "/forget")
    desk.press("bob", data(question)[0])
    assert seen == [False]  # called once, after the commit that forgot Bob


def test_stale_forged_and_cancelled_buttons_change_nothing() -> None:
    desk = _desk()
    (question,) = desk.say("ana", "/forget")
    yes, cancel = data(question)
    (forged,) = desk.press("bob", yes)  # someone else's button: Bob has no such question
    assert forged.text == render("forget.stale", Language.FR)
    (cancelled,) = desk.press("ana", cancel)
    assert cancelled.text == render("forget.cancelled", Language.PT)
    (stale,) = desk.press("ana", yes)
    assert stale.text == render("forget.stale", Language.PT)
    desk.clock.advance(seconds=5)
    desk.say("ana", "/forget")
    (older,) = desk.press("ana", yes)  # the first question's token, not the new one's
    assert older.text == render("forget.stale", Language.PT)
    assert desk.known("ana") and desk.known("bob")


def test_the_last_coordinator_and_members_naming_others_are_refused() -> None:
    desk = _desk()
    (row,) = desk.say("carla", "/forget")
    assert row.text == render("forget.last_coordinator")
    (row,) = desk.say("bob", "/forget Ana")
    assert row.text == render("forget.only_own", Language.FR)
    assert desk.known("carla") and desk.known("ana")


def test_a_coordinator_picks_the_member_and_the_member_is_told() -> None:
    desk = _desk()
    (pick,) = desk.say("carla", "/forget An")
    assert labels(pick) == [f"Ana (#{desk.id('ana')})"]
    (question,) = desk.press("carla", data(pick)[0])
    assert question.text.startswith(render("forget.confirm_other", name="Ana",
                                           number=desk.id("ana")))
    number = desk.id("ana")
    rows = desk.press("carla", data(question)[0])
    told = [r for r in rows if r.member_id == number]
    assert [r.text for r in told] == [render("forget.done_by_coordinator", Language.PT)]
    assert desk.one(rows, "carla").text == render("forget.done_other", number=number,
                                                  placeholder="Former member")
    assert "Ana" not in desk.one(rows, "bob").text
    assert not desk.known("ana")


def test_audit_is_for_coordinators_and_checks_its_number() -> None:
    desk = _desk()
    desk.say("carla", "/grant reviewer Bob")
    (row,) = desk.say("bob", "/audit")
    assert row.text == render("perm.coordinator", Language.FR)
    for typed in ("0", "101", "ten"):
        (row,) = desk.say("carla", f"/audit {typed}")
        assert row.text == render("audit.usage", value=typed, default=20, most=100)
    (row,) = desk.say("carla", "/audit")
    lines = row.text.split("\n")
    assert lines[0] == render("audit.header", count=2, zone="Nairobi")
    assert lines[1].endswith(" · Carla (#1) made Bob (#3) reviewer")
    assert lines[2].endswith(" · the configuration (config.toml) made Carla (#1) coordinator")
