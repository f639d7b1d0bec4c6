"""Scenario: a review's conversation stays with its card. The team's answers to a reviewer
continue the card's conversation (the outbox keeps the card's platform message: Slack posts
under it, Telegram replies to it); a file replying to a message about a deliverable is its next
version, without asking which task; a reviewer's file replying to the card reaches the team as
a comment."""

from __future__ import annotations

from pathlib import Path

from tests.scenarios.harness import Transcript, first_code, play, query
from tests.scenarios.test_reviews import SETUP, drafts

SECOND_TASK = """ana> /newtask Plano
ana> Plano de ação
ana> 2026-04-30
ana> Ana
ana> [press Sem parcela]
"""


def shown(run: Transcript, number: int) -> str:
    """Message #number as the console printed it (its text, buttons and files)."""
    blocks = "\n".join(run.output).split("\n#")
    return next(b for b in blocks if b.lstrip("#").startswith(f"{number} →"))


async def test_answers_continue_the_card(tmp_path: Path, database_url: str) -> None:
    drafts(tmp_path)
    script = SETUP.format(code=first_code()) + SECOND_TASK + """
diego> [file drafts/v1.pdf] T1 primeira versão
rita> [reply 42] A secção 2 precisa de dados.
diego> [reply 46] Los datos aún no se publicaron.
rita> [reply 42] [file drafts/v3.pdf] Veja minhas notas.
rita> [press Pedir alterações]
diego> [reply 54] [file drafts/v2.pdf] dados de 2024
rita> [reply 56] Bom.
diego> [reply 60] Gracias.
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert "Revisão de D1 v1" in shown(run, 42) and "Revisão de D1 v2" in shown(run, 56)
    # Diego's answers went to Rita in the conversation of the card of their round.
    assert "Los datos aún no se publicaron." in shown(run, 48)
    assert "Gracias." in shown(run, 62)
    assert query(database_url, "SELECT id, thread FROM outbox WHERE thread IS NOT NULL "
                               "ORDER BY id") == [(48, "42"), (62, "56")]
    # Rita's annotated copy reached the team as a comment with the file.
    assert "Veja minhas notas." in shown(run, 51) and "📎 v3.pdf" in shown(run, 51)
    # The file replying to the request for changes is D1 v2, though the team has two tasks.
    assert "D1 v2 para T1" in shown(run, 57)
    assert not [s for s in run.to("diego") if "T2 Plano" in s.buttons]


async def test_a_file_replying_to_a_done_deliverable_asks(tmp_path: Path,
                                                          database_url: str) -> None:
    drafts(tmp_path)
    script = SETUP.format(code=first_code()) + SECOND_TASK + """
diego> [file drafts/v1.pdf] T1 primeira versão
rita> [press Aprovar]
diego> [reply 43] [file drafts/v2.pdf] mais uma
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert "Recibido “v1.pdf”: D1 v1" in shown(run, 43)
    # T1 is done: Diego is told so and asked which task the file is for.
    assert "ya está terminada" in run.last("diego").text
    assert run.last("diego").buttons == ["T2 Plano"]
