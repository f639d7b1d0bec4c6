"""Scenarios: /export hands a member their data as a JSON file; /forget deletes it after Yes
(or keeps it after Cancel, a stale button, or when the last coordinator asks), for oneself or
by a coordinator, with the team's deliverables left in place; /audit lists what coordinators
and the configuration did."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.scenarios.harness import first_code, play, query

TEAM = """
:clock 2026-03-02T12:00:00Z
carla> /start
carla> [press English]
carla> [press Maputo]
ana> /start
ana> [press Português]
ana> [press Maputo]
ana> /newteam Rios
ana> Orçamento participativo
ana> [press África Austral]
diego> /start
diego> [press Español]
diego> /tz Lima
diego> /join {code}
ana> /colead Diego
ana> /newtask Diagnóstico
ana> Relatório
ana> 2026-03-31
ana> Diego
ana> [press Sem parcela]
diego> [file drafts/v1.pdf] primera versión
diego> /ask ¿Dónde está la plantilla del informe?
ana> /ask Pergunta privada da Ana sobre o orçamento
carla> /answer 1 En la carpeta compartida.
diego> /t Hola equipo, subí el diagnóstico
carla> /grant reviewer Diego
"""


def team(tmp_path: Path) -> str:
    """The shared beginning: a team with a task, a deliverable, questions and team talk."""
    folder = tmp_path / "drafts"
    folder.mkdir(exist_ok=True)
    (folder / "v1.pdf").write_bytes(b"%PDF-1.7 diagnostico, first version")
    return TEAM.format(code=first_code())


def member_id(database_url: str, name: str) -> int:
    """A member's number, by name."""
    ((number,),) = query(database_url, f"SELECT id FROM members WHERE name = '{name}'")
    assert isinstance(number, int)
    return number


def stored_files(tmp_path: Path) -> set[str]:
    """The files the file store holds (their sha256)."""
    return {p.name for p in (tmp_path / "data" / "files").rglob("*") if p.is_file()}


def stored_messages(database_url: str, *, quoted: bool = True) -> str:
    """Everything the outbox keeps of its messages (texts, templates, buttons and, unless told
    otherwise, the quoted texts as written), as one text."""
    rows = query(database_url, "SELECT text, template, CAST(buttons AS TEXT), "
                               "CAST(pieces AS TEXT) FROM outbox")
    values = [value for row in rows for value in (row if quoted else row[:3])]
    return "\n".join(str(value) for value in values if value is not None)


def export_of(database_url: str, member: int) -> tuple[str, dict[str, Any]]:
    """The JSON file sent to a member by /export: its location, and what it says."""
    rows = query(database_url, "SELECT attachments FROM outbox WHERE context = 'export' "
                               f"AND member_id = {member} ORDER BY id DESC")
    assert rows, "no export was queued"
    stored = rows[0][0]
    (attachment,) = json.loads(stored) if isinstance(stored, str) else stored
    location = str(attachment["location"])
    return location, json.loads(Path(location).read_text(encoding="utf-8"))


async def test_export_sends_a_member_everything_about_them(tmp_path: Path,
                                                            database_url: str) -> None:
    script = team(tmp_path) + """diego> /export all of it
diego> /export
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    usage, ready = run.to("diego")[-2:]
    assert "“all of it”" in usage.text and "/export" in usage.text
    assert ready.language == "es" and "peerdesk-export-2026-03-02.json" in ready.text
    diego = member_id(database_url, "Diego")
    location, document = export_of(database_url, diego)
    assert Path(location).name in stored_files(tmp_path)
    assert document["format"] == "peerdesk-export/1" and document["member_number"] == diego
    (me,) = document["member"]
    assert (me["name"], me["language"], me["timezone"]) == ("Diego", "es", "America/Lima")
    assert [a["account"] for a in document["accounts"]] == ["console:diego"]
    assert [r["role"] for r in document["roles"]] == ["reviewer"]
    assert [(t["team"], t["team_role"]) for t in document["team"]] == [("Rios", "coleader")]
    assert [t["title"] for t in document["tasks_responsible_for"]] == ["Diagnóstico"]
    (upload,) = document["files_uploaded"]
    assert (upload["file_name"], upload["version"]) == ("v1.pdf", 1)
    assert [h["text"] for h in document["help_requests"]] == [
        "¿Dónde está la plantilla del informe?"]
    assert any("Hola equipo" in json.dumps(w["quoted"], ensure_ascii=False)
               for w in document["words_relayed_to_others"])
    received = "\n".join(m["text"] for m in document["messages_to_you"])
    assert "En la carpeta compartida." in received  # Carla's answer, as Diego got it
    assert [(e["kind"], e["you"]) for e in document["audit_entries"]] == [
        ("role_granted", "about you")]
    # Nobody else's accounts or private words.
    raw = json.dumps(document, ensure_ascii=False)
    assert "console:ana" not in raw and "console:carla" not in raw
    assert "Pergunta privada da Ana" not in raw


async def test_forgetting_oneself_deletes_personal_data_and_keeps_the_deliverable(
        tmp_path: Path, database_url: str) -> None:
    script = team(tmp_path) + """diego> /export
diego> /forget
diego> ¿y ahora?
diego> [press Sí, borrar]
:clock +1h
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    diego = run.to("diego")
    question, buttons_please, goodbye = diego[-3:]
    assert "¿Quieres que borre tus datos personales" in question.text
    assert "firmados como “Former member”" in question.text  # anonymised, the default
    assert "/export" in question.text and question.buttons == ["Sí, borrar", "Cancelar"]
    assert "Sí, borrar" in buttons_please.text
    assert goodbye.language == "es" and "tus datos personales se borraron" in goodbye.text
    notice = run.last("ana")
    assert "“Rios”" in notice.text and "Diego" not in notice.text
    number = member_id(database_url, "Former member")
    # The accounts, roles and place in the team are gone; the record is emptied.
    assert query(database_url, "SELECT COUNT(*) FROM identities WHERE identity = "
                               "'console:diego'") == [(0,)]
    assert query(database_url, f"SELECT COUNT(*) FROM member_roles WHERE member_id = {number}"
                 ) == [(0,)]
    assert query(database_url, f"SELECT COUNT(*) FROM team_members WHERE member_id = {number}"
                 ) == [(0,)]
    assert query(database_url, f"SELECT COUNT(*) FROM task_responsibles "
                               f"WHERE member_id = {number}") == [(0,)]
    assert query(database_url, f"SELECT language, timezone, primary_identity FROM members "
                               f"WHERE id = {number}") == [("en", "UTC", "")]
    # His name is nowhere: not in any stored message, nor the team's (Ana leads alone now).
    assert query(database_url, "SELECT COUNT(*) FROM members WHERE name = 'Diego'") == [(0,)]
    assert "Diego" not in stored_messages(database_url)
    assert query(database_url, "SELECT COUNT(*) FROM outbox WHERE identity = "
                               "'console:diego'") == [(0,)]  # the goodbye too, once sent
    assert query(database_url, "SELECT co_leader_id FROM teams") == [(None,)]
    # The team's deliverable stays, attributed to the emptied record; so does his question.
    assert query(database_url, "SELECT filename, submitted_by FROM versions") == [
        ("v1.pdf", number)]
    assert query(database_url, "SELECT asker_id, text FROM help_requests ORDER BY id")[0] == (
        number, "¿Dónde está la plantilla del informe?")
    # The deliverable's file is kept, the export is deleted from the file store.
    kept = stored_files(tmp_path)
    (sha,) = query(database_url, "SELECT sha256 FROM versions")[0]
    assert sha in kept and len(kept) == 1
    # The audit log keeps that it happened, not who it was.
    assert query(database_url, "SELECT kind, actor_name, subject_name FROM audit_log "
                               "WHERE kind = 'member_forgotten'") == [
        ("member_forgotten", "Former member", "Former member")]


async def test_the_same_account_comes_back_as_a_newcomer(tmp_path: Path,
                                                          database_url: str) -> None:
    script = team(tmp_path) + """diego> /forget
diego> [press Sí, borrar]
diego> /team
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    welcome, no_team = run.to("diego")[-2:]
    assert "Welcome to peerdesk, Diego!" in welcome.text  # greeted again, as a stranger
    assert "You are not in a team yet" in no_team.text
    names = query(database_url, "SELECT name FROM members ORDER BY id")
    assert names == [("Carla",), ("Ana",), ("Former member",), ("Diego",)]


async def test_forgetting_in_delete_mode_removes_what_they_wrote(tmp_path: Path,
                                                                 database_url: str) -> None:
    script = team(tmp_path) + """diego> /forget
diego> [press Sí, borrar]
"""
    run = await play(script, tmp_path, database_url=database_url,
                     extra_config='[privacy]\nforget_messages = "delete"\n'
                                  'placeholder_name = "Antigo membro"\n')
    assert run.exit_code == 0, run.errors
    assert "también se borran" in run.find("diego", "¿Quieres que borre")[0].text
    assert query(database_url, "SELECT text FROM help_requests") == [
        ("Pergunta privada da Ana sobre o orçamento",)]
    assert query(database_url, "SELECT COUNT(*) FROM help_messages") == [(0,)]  # the thread
    assert "Hola equipo" not in stored_messages(database_url)
    assert query(database_url, "SELECT v.filename, m.name FROM versions v "
                               "JOIN members m ON m.id = v.submitted_by") == [
        ("v1.pdf", "Antigo membro")]


async def test_cancel_stale_buttons_and_the_last_coordinator(tmp_path: Path,
                                                            database_url: str) -> None:
    script = team(tmp_path) + """carla> /forget
ana> /forget
ana> [press Cancelar]
ana> [press Sim, apagar]
ana> /forget Diego
diego> /forget Ana
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    refused = run.last("carla")
    assert "only coordinator" in refused.text and "/grant coordinator" in refused.text
    assert not refused.buttons
    _question, cancelled, stale, not_hers = run.to("ana")[-4:]
    assert cancelled.text == "Cancelado: nada foi apagado."
    assert "/forget" in stale.text and "não está mais aberta" in stale.text
    assert "só pode apagar os seus próprios dados" in not_hers.text
    assert "solo puedes borrar tus propios datos" in run.last("diego").text.lower()
    assert query(database_url, "SELECT COUNT(*) FROM identities") == [(3,)]
    assert query(database_url, "SELECT COUNT(*) FROM audit_log WHERE kind = "
                               "'member_forgotten'") == [(0,)]


async def test_a_coordinator_forgets_someone_else(tmp_path: Path, database_url: str) -> None:
    script = team(tmp_path) + """carla> /forget An
carla> [press Ana (#2)]
carla> [press Yes, delete]
carla> /forget #2
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    carla = run.to("carla")
    question, done, gone = carla[-3:]
    assert "Ana (#2)" in question.text and "they will be told" in question.text
    assert "member #2" in done.text and "Ana" not in done.text
    assert "already been deleted" in gone.text
    goodbye = run.last("ana")
    assert goodbye.language == "pt" and "A coordenação da central de ajuda apagou" in goodbye.text
    # Ana led Rios: Diego, its co-leader, leads it now, and is told so.
    assert query(database_url, "SELECT m.name FROM teams t JOIN members m "
                               "ON m.id = t.leader_id") == [("Diego",)]
    assert "Diego, que era colíder, ahora lidera el equipo" in run.last("diego").text
    assert query(database_url, "SELECT COUNT(*) FROM identities WHERE identity = "
                               "'console:ana'") == [(0,)]
    # Her name is gone from every message, the pick button and the question included (her
    # own words, which mention her, stay as she wrote them: anonymise is the default).
    assert "Ana" not in stored_messages(database_url, quoted=False)
    assert query(database_url, "SELECT actor_name, subject_name FROM audit_log "
                               "WHERE kind = 'member_forgotten'") == [("Carla", "Former member")]


AUDITED = """
:clock 2026-03-02T12:00:00Z
carla> /start
carla> [press English]
carla> [press Maputo]
ana> /start
ana> [press Português]
ana> [press Maputo]
ana> /newteam Rios
ana> Orçamento participativo
ana> [press África Austral]
carla> [press Approve]
diego> /start
diego> [press Español]
diego> /tz Lima
diego> /join {code}
rita> /start
rita> [press Português]
paul> /start
paul> [press English]
carla> /grant reviewer Rita
carla> /grant reviewer Paul
carla> /grant observer Diego
carla> /revoke observer Diego
ana> /newtask Diagnóstico
ana> Relatório
ana> 2026-03-31
ana> Diego
ana> [press Sem parcela]
diego> [file drafts/v1.pdf] primera versión
carla> /assign D1 Paul
carla> /broadcast everyone
carla> The second seminar starts on 2026-04-15.
carla> [press Now]
carla> [press Confirm]
rita> /forget
rita> [press Sim, apagar]
"""


async def test_the_audit_log_lists_every_recorded_kind(tmp_path: Path,
                                                       database_url: str) -> None:
    team(tmp_path)  # the draft file
    script = AUDITED.format(code=first_code()) + """diego> /audit
carla> /audit 0
carla> /audit lots
carla> /audit
carla> /audit 2
"""
    run = await play(script, tmp_path, database_url=database_url, approval=True)
    assert run.exit_code == 0, run.errors
    refused = run.last("diego")
    assert refused.language == "es" and "Solo los coordinadores" in refused.text
    zero, lots, full, two = run.to("carla")[-4:]
    assert "“0”" in zero.text and "/audit N" in zero.text and "100" in zero.text
    assert "“lots”" in lots.text
    lines = full.text.split("\n")
    assert lines[0] == "Audit log, the latest 9, newest first (times in Maputo):"
    assert [line.split(" · ", 1)[1] for line in lines[1:]] == [
        "Former member (#4) had their personal data deleted (/forget)",
        "Carla (#1) sent broadcast #1 to everyone (recipients: 5)",
        "Carla (#1) gave D1 to Paul (#5) to review, instead of Former member (#4)",
        "Carla (#1) took the observer role away from Diego (#3)",
        "Carla (#1) made Diego (#3) observer",
        "Carla (#1) made Paul (#5) reviewer",
        "Carla (#1) made Former member (#4) reviewer",
        "Carla (#1) approved the team “Rios”",
        "the configuration (config.toml) made Carla (#1) coordinator",
    ]
    assert lines[1].startswith("2026-03-02 14:")  # 12:00 UTC and later, in Maputo's time
    assert len(two.text.split("\n")) == 4 and "/audit N" in two.text  # 2 lines, and a hint
    assert query(database_url, "SELECT COUNT(*) FROM audit_log") == [(9,)]
