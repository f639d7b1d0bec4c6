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
    # A new card, on the same version: still the deliverable's first round.
    assert len(run.find("paul", "Review D1 v1 (round 1)")) == 2
    assert "• D1 v1 (round 1) — “Rios”, T1 Diagnóstico · 0 min" in run.last("paul").text
    assert "T1 Diagnóstico — D1 v1, ronda 1, en revisión · esperando a Paul · faltan 29 d" \
        in run.last("diego").text
    assert "• Rios · T1 Diagnóstico — D1 v1, round 1, in review · waiting on Paul · 29 d left" \
        in run.last("carla").text


async def test_closed_rounds_refuse_comments_and_a_coordinator_replaces_the_reviewer(
        tmp_path: Path, database_url: str) -> None:
    drafts(tmp_path)
    script = SETUP.format(code=first_code()) + """diego> [file drafts/v1.pdf] primeira versão
rita> [press Pedir alterações]
rita> [reply 37] Falta a tabela 3.
rita> [press Pedir alterações]
rita> [reply 37] Mais uma coisa.
diego> [reply 42] Qual tabela?
diego> [file drafts/v2.pdf] T1 tabela 3 incluída
carla> /assign D1 Paul
rita> [reply 49] Ainda revisando.
diego> [file drafts/v3.pdf] T1 versão 3
paul> [reply 53] Late comment on v2.
paul> [reply 56] Good.
paul> [press Approve]
carla> /assign D1 Rita
ana> /tasks
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    # Request changes needs a comment first, so the team never gets an empty list.
    assert run.find("rita", "Primeiro diga à equipe o que mudar: ↩ responda ao cartão de D1 v1")
    # After the decision the round is closed, for the reviewer and for the team.
    assert run.find("rita", "Você já pediu alterações em D1 v1, então essa rodada está encerrada")
    assert run.find("diego", "Rita pidió cambios en D1 v1, así que esa ronda está cerrada")
    # The team's note and the earlier comments reach the reviewer the coordinator chose, who
    # replaces Rita (the deliverable has its one reviewer already); Rita is told.
    (card,) = [s for s in run.to("paul") if s.number == 53]
    assert card.text.splitlines()[:3] == [
        "Review D1 v2 (round 2) — team “Rios”, task T1 “Diagnóstico”, due 2026-03-31.",
        "What changed, says the team: tabela 3 incluída",
        "Comments of Rita in round 1: Falta a tabela 3."]
    assert run.find("rita", "A coordenação passou D1 (“Rios”, tarefa T1 “Diagnóstico”)")
    assert run.find("carla", "Paul now reviews D1 in place of Rita and has the card")
    assert run.find("rita", "Você não revisa mais D1, então este comentário não foi enviado.")
    # A new version while Paul's round is open: that round is superseded, the next one starts.
    (third,) = [s for s in run.to("paul") if s.number == 56]
    assert third.text.splitlines()[:2] == [
        "Review D1 v3 (round 3) — team “Rios”, task T1 “Diagnóstico”, due 2026-03-31.",
        "v3 arrived before you decided on v2: that round is closed, and this card takes its "
        "place."]
    assert run.find("paul", "D1 v2 is no longer open for review")
    # Approved: nobody can be assigned any more.
    assert run.find("carla", "D1 is already approved: there is nothing left to review.")
    assert "• T1 Diagnóstico — prazo 2026-03-31 (concluída) · Ana, Diego · D1 v3: aprovado" \
        in run.last("ana").text
    rounds = query(database_url, "SELECT r.number, m.name, r.decision FROM review_rounds r "
                                 "JOIN members m ON m.id = r.reviewer_id ORDER BY r.id")
    assert rounds == [(1, "Rita", "changes"), (2, "Rita", "replaced"),
                      (2, "Paul", "superseded"), (3, "Paul", "approved")]
    assert query(database_url, "SELECT number, note FROM versions ORDER BY number") == [
        (1, "primeira versão"), (2, "tabela 3 incluída"), (3, "versão 3")]
    assert query(database_url, "SELECT COUNT(*) FROM comments") == [(2,)]


async def test_a_decline_with_the_others_approved_approves(tmp_path: Path,
                                                           database_url: str) -> None:
    drafts(tmp_path)
    script = SETUP.format(code=first_code()) + """diego> [file drafts/v1.pdf] primeira versão
rita> [reply 37] Bom trabalho.
rita> [press Aprovar]
paul> [press Decline]
diego> /status
"""
    run = await play(script, tmp_path, database_url=database_url,
                     extra_config="[deliverables]\nreviewers_per_deliverable = 2\n")
    assert run.exit_code == 0, run.errors
    assert run.find("diego", "Revisión: Rita, Paul.")
    assert run.find("paul", "You declined D1; Rita had already approved it, so it is approved.")
    assert not run.find("paul", "another reviewer")  # nobody else was eligible
    assert not run.find("carla", "No eligible reviewer")
    assert run.find("carla", "D1 v1 of “Rios” is approved by Rita")
    assert "D1 v1, ronda 1, aprobado · nada pendiente · terminada" in run.last("diego").text


async def test_a_reviewer_who_joins_the_team_is_replaced_on_the_next_version(
        tmp_path: Path, database_url: str) -> None:
    drafts(tmp_path)
    code = first_code()
    script = SETUP.format(code=code) + f"""diego> [file drafts/v1.pdf] primeira versão
rita> [reply 37] Falta a tabela 3.
rita> [press Pedir alterações]
rita> /join {code}
diego> [file drafts/v2.pdf] T1 tabela 3
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert not run.find("rita", "Revisão de D1 v2")
    (card,) = run.find("paul", "Review D1 v2 (round 2)")
    assert "Comments of Rita in round 1: Falta a tabela 3." in card.text
    assert run.find("diego", "Revisión: Paul.")


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
