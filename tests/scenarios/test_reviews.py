"""Scenario: a deliverable through three review rounds, comments both ways, and approval;
declining reassigns; a reviewer is never chosen from the submitting team."""

from __future__ import annotations

from pathlib import Path

from tests.scenarios.harness import first_code, play, query

SETUP = """
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
rita> /start
rita> [press Português]
rita> /tz Luanda
rita> /reviewer langs pt
paul> /start
paul> [press English]
paul> /tz Nairobi
carla> /grant reviewer rita
carla> /grant reviewer paul
carla> /grant reviewer diego
rita> /reviewer langs pt,es topics orçamento participativo
paul> /reviewer langs en topics gender
ana> /newtask Diagnóstico
ana> Relatório
ana> 2026-03-31
ana> Ana, Diego
ana> [press Sem parcela]
"""


def drafts(tmp_path: Path) -> None:
    folder = tmp_path / "drafts"
    folder.mkdir()
    for number in (1, 2, 3):
        (folder / f"v{number}.pdf").write_bytes(f"%PDF-1.7 version {number}".encode())


async def test_three_rounds_with_comments_both_ways(tmp_path: Path, database_url: str) -> None:
    drafts(tmp_path)
    script = SETUP.format(code=first_code()) + """diego> [file drafts/v1.pdf] primeira versão
rita> [reply 37] A secção 2 precisa de dados de 2025.
rita> [reply 37] Falta a bibliografia.
diego> [reply 41] Los datos de 2025 aún no se publicaron. ¿Sirven los de 2024?
rita> [reply 46] Sim, com uma nota.
rita> [press Pedir alterações]
rita> [press Aprovar]
diego> [file drafts/v2.pdf] T1 dados de 2024 com nota; bibliografia
rita> [reply 55] Ainda falta a tabela 3.
rita> [press Pedir alterações]
ana> [file drafts/v3.pdf] tabela 3 incluída
rita> [press Aprovar]
rita> [reply 64] comentário atrasado
ana> /tasks
diego> /status
rita> /queue
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    # Rita reads Portuguese and Spanish and knows the topic; Diego, a reviewer too, is in the
    # team and is never chosen.
    (card,) = [s for s in run.to("rita") if s.number == 37]
    assert "D1 v1 (rodada 1)" in card.text and "primeira versão" in card.text
    assert card.buttons == ["Aprovar", "Pedir alterações", "Recusar"]
    assert not [s for s in run.to("diego") if "Revisión de" in s.text]
    # A reviewer's reply reaches every team member in their language; a member's reply
    # reaches the reviewer; the reviewer's answer reaches the team again.
    comment, summary = run.find("ana", "A secção 2 precisa de dados de 2025.")
    assert comment.text.startswith("Comentário sobre D1 v1 de Rita:")
    assert summary.text.startswith("Rita pede alterações em D1 v1")
    assert run.find("diego", "Comentario sobre D1 v1 de Rita")
    assert run.find("rita", "Diego responde sobre D1 v1")
    assert run.find("diego", "Sim, com uma nota.")
    # Changes requested: the whole round's comments in one message.
    (decision,) = run.find("diego", "Rita pide cambios en D1 v1")
    assert decision.text.count("•") == 3
    assert run.find("rita", "D1 v1 não está mais aberto")  # approving a decided version
    # Round 2 shows the team's note and the previous comments; round 3 is approved.
    assert run.find("rita", "Seus comentários na rodada anterior: A secção 2")
    assert run.find("carla", "D1 v3 of “Rios” is approved by Rita")
    assert run.find("diego", "la tarea T1 “Diagnóstico” está terminada")
    assert run.find("rita", "D1 v3 não está mais aberto")  # a comment after approval
    assert run.find("ana", "(concluída)")
    assert "D1 v3, ronda 3, aprobado · nada pendiente · terminada" in run.last("diego").text
    assert run.last("rita").text == "Nada aguarda a sua revisão."
    rounds = query(database_url, "SELECT number, decision FROM review_rounds ORDER BY id")
    assert rounds == [(1, "changes"), (2, "changes"), (3, "approved")]
    comments = query(database_url, "SELECT COUNT(*) FROM comments")
    assert comments == [(5,)]


async def test_declining_reassigns_and_then_asks_the_coordinators(
        tmp_path: Path, database_url: str) -> None:
    drafts(tmp_path)
    script = SETUP.format(code=first_code()) + """
diego> [file drafts/v1.pdf]
rita> [press Recusar]
paul> [press Decline]
carla> /assign D1 Diego
carla> /assign D1 Paul
paul> /queue
diego> /status
carla> /overview
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert run.find("rita", "Você recusou D1")
    assert run.find("paul", "Review D1 v1 (round 1)")  # the next best reviewer
    assert run.find("carla", "No eligible reviewer for D1 of “Rios”")
    assert run.find("carla", "Diego is in “Rios”: nobody reviews their own team's work")
    assert run.find("carla", "Paul now reviews D1")
    assert len(run.find("paul", "Review D1 v1")) == 2  # a new card, a new round
    assert "• D1 v1 (round 2) — “Rios”, T1 Diagnóstico · 0 min" in run.last("paul").text
    assert "T1 Diagnóstico — D1 v1, ronda 2, en revisión · esperando a Paul · faltan 29 d" \
        in run.last("diego").text
    assert "• Rios · T1 Diagnóstico — D1 v1, round 2, in review · waiting on Paul · 29 d left" \
        in run.last("carla").text


async def test_removing_a_task_in_review_warns_and_tells_its_reviewer(
        tmp_path: Path, database_url: str) -> None:
    drafts(tmp_path)
    script = SETUP.format(code=first_code()) + """diego> [file drafts/v1.pdf] primeira versão
ana> /tasks
ana> /deltask T1
ana> [press Remover]
rita> /queue
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert run.find("ana", "• T1 Diagnóstico — prazo 2026-03-31 (faltam 29 d) · Ana, Diego · "
                           "D1 v1: em revisão")
    (confirm,) = run.find("ana", "Remover a tarefa T1")
    assert "Ela tem D1 (v1, em revisão): remover a tarefa também remove as versões" \
        in confirm.text
    assert run.find("rita", "A tarefa T1 “Diagnóstico” de “Rios” foi removida, e D1 junto")
    assert run.last("rita").text == "Nada aguarda a sua revisão."
    assert query(database_url, "SELECT COUNT(*) FROM versions") == [(0,)]
