"""Scenario: a team hands in files through the console; refused files say why."""

from __future__ import annotations

from pathlib import Path

from tests.scenarios.harness import ONBOARD, first_code, onboard, play, propose, query


async def test_files_handed_in_and_refused(tmp_path: Path, database_url: str) -> None:
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "tor.pdf").write_bytes(b"%PDF-1.7\nterms of reference, first draft\n")
    (drafts / "tor-v2.pdf").write_bytes(b"%PDF-1.7\nterms of reference, second draft\n")
    (drafts / "invoice.pdf").write_bytes(b"MZ\x90\x00 a program in disguise")
    (drafts / "empty.docx").write_bytes(b"")
    (drafts / "huge.pdf").write_bytes(b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024))
    code = first_code()
    script = (
        ONBOARD
        + onboard("ana", "Português", "Maputo")
        + onboard("diego", "Español", "Lima")
        + propose("ana", "Rios", "Saneamento", "África Austral")
        + f"""
diego> /join {code}
diego> [file drafts/tor.pdf] before any task
ana> /newtask Termos de referência
ana> ToR
ana> 2026-03-31
ana> Diego
ana> [press Sem parcela]
diego> [file drafts/tor.pdf] primeira versão
ana> [file drafts/tor-v2.pdf]
diego> [file drafts/tor.pdf]
diego> [file drafts/invoice.pdf]
diego> [file drafts/empty.docx]
diego> [file drafts/huge.pdf]
"""
    )
    run = await play(script, tmp_path, database_url=database_url,
                     extra_config="[deliverables]\nmax_size_mb = 1\n")
    assert run.exit_code == 0, run.errors
    diego = run.to("diego")
    assert run.find("diego", "“Rios” no tiene ninguna tarea abierta")
    assert run.find("diego", "Recibido “tor.pdf”: D1 v1 para T1")
    assert run.find("ana", "Diego entregou D1 v1 para T1")
    assert run.find("ana", "Recebido “tor-v2.pdf”: D1 v2 para T1")
    assert run.find("diego", "Es el mismo archivo que D1 v1 de T1")
    assert "reviso el contenido, no el nombre" in diego[-3].text
    assert "“empty.docx” está vacío" in diego[-2].text
    assert "el límite es 1 MB" in diego[-1].text
    stored = query(database_url, "SELECT number, filename, kind FROM versions ORDER BY number")
    assert stored == [(1, "tor.pdf", "pdf"), (2, "tor-v2.pdf", "pdf")]
    kept = list((tmp_path / "data" / "files").rglob("*"))
    assert len([p for p in kept if p.is_file()]) == 2  # by content: two distinct files
