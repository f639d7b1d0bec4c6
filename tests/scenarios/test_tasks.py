"""Scenario: a team leader sets up the terms of reference; members see tasks and lateness."""

from __future__ import annotations

from pathlib import Path

from tests.scenarios.harness import ONBOARD, first_code, onboard, play, propose, query


async def test_a_leader_sets_up_tasks_step_by_step(tmp_path: Path, database_url: str) -> None:
    code = first_code()
    script = (
        ONBOARD
        + onboard("ana", "Português", "Maputo")
        + onboard("diego", "Español", "Lima")
        + propose("ana", "Rios", "Saneamento", "África Austral")
        + f"""
diego> /join {code}
ana> /newtask Diagnóstico participativo
ana> Relatório de 10 páginas
ana> 2026-02-01
ana> 15/03/2026
ana> Zé
ana> Ana, Diego
ana> 150
ana> 40
ana> /newtask Plano de ação
ana> Plano
ana> 2026-04-30
ana> [press Diego]
ana> [press Sem parcela]
diego> /tasks
diego> /newtask Hack
ana> /edittask T2
ana> [press Parte dos recursos]
ana> 70
ana> 60
ana> /deltask T2
ana> [press Remover]
:clock +20d
carla> /tasks Rios
"""
    )
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    # Bad answers are refused, each with what to do instead, in Ana's language.
    assert run.find("ana", "2026-02-01 já passou")
    assert run.find("ana", "Não encontro “Zé” na equipe")
    assert run.find("ana", "“150” não é uma porcentagem de 1 a 100")
    (added,) = run.find("ana", "A tarefa T1 foi adicionada")
    assert "prazo 2026-03-15 (faltam 13 d) · Ana, Diego · 40 % dos recursos" in added.text
    # Diego is told he is responsible, in Spanish, and sees the list; he may not add tasks.
    assert run.find("diego", "Eres responsable de la tarea T1")
    (listing,) = run.find("diego", "Tareas de “Rios” (2)")
    assert "T2 Plano de ação — fecha límite 2026-04-30 (faltan 59 d) · Diego" in listing.text
    assert run.find("diego", "Solo el líder del equipo o la coordinación")
    # The funds shares of a team never exceed 100 %.
    assert run.find("ana", "restam no máximo 60 %")
    assert run.find("ana", "A tarefa T2, “Plano de ação”, foi removida")
    # Twenty days later the coordinator sees T1 late, in English.
    assert "T1 Diagnóstico participativo — due 2026-03-15 (7 d late)" in run.last("carla").text
    stored = query(database_url, "SELECT title, due_date, funds_share FROM tasks ORDER BY id")
    assert stored == [("Diagnóstico participativo", "2026-03-15", 40)]
    people = query(database_url, "SELECT COUNT(*) FROM task_responsibles")
    assert people == [(2,)]
