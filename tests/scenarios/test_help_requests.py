"""Scenario: a help request asked in French is answered by a coordinator, followed up, closed."""

from __future__ import annotations

from pathlib import Path

from tests.scenarios.harness import ONBOARD, onboard, play

QUESTION = "Comment remplir le modèle de rapport financier ?"


async def test_french_question_answered_by_coordinator(tmp_path: Path, database_url: str) -> None:
    script = (
        ONBOARD
        + onboard("joao", "Português", "Luanda")
        + onboard("amadou", "Français", "Dakar")
        + f"""
amadou> /ask {QUESTION}
carla> /tickets
carla> [reply 11] The template is in the shared folder, tab 2.
:clock +1d
amadou> [reply 14] Merci ! Et pour la tâche 3 ?
carla> [reply 18] Same template, tab 3.
amadou> /tickets
amadou> /close 1
carla> /tickets
"""
    )
    run = await play(
        script, tmp_path, database_url=database_url, coordinators=("console:carla", "console:joao")
    )
    assert run.exit_code == 0, run.errors
    (sent,) = run.find("amadou", "#1")[:1]
    assert sent.language == "fr" and "service d'assistance" in sent.text
    # Both coordinators receive the request, each in their own language, with the asker's name.
    (to_carla,) = run.find("carla", "Help request #1 from Amadou")
    (to_joao,) = run.find("joao", "#1")[:1]
    assert QUESTION in to_carla.text and QUESTION in to_joao.text
    assert to_carla.number == 11 and to_joao.language == "pt" and "Amadou" in to_joao.text
    assert run.find("carla", "#1 · 0 min · Amadou")
    # The answer reaches the asker in a French frame; Joao learns that Carla answered.
    (answer,) = run.find("amadou", "The template is in the shared folder, tab 2.")
    assert answer.number == 14 and answer.language == "fr" and "Carla" in answer.text
    assert run.find("joao", "The template is in the shared folder, tab 2.")
    # The follow-up goes to the coordinator who answered (not to everyone), a day later.
    (follow,) = run.find("carla", "Et pour la tâche 3")
    assert follow.number == 18 and not run.find("joao", "Et pour la tâche 3")
    assert run.find("amadou", "Same template, tab 3.")
    # Amadou sees his own request; closing it tells nobody else and empties the queue.
    assert run.find("amadou", "#1 · 1 j 0 h · Amadou · ouverte")
    assert run.find("amadou", "#1") and "clôturée" in run.to("amadou")[-1].text
    assert "no requests" in run.last("carla").text


async def test_help_request_without_argument_is_guided(tmp_path: Path, database_url: str) -> None:
    script = (
        ONBOARD
        + onboard("diego", "Español", "Lima")
        + """
diego> /ask
diego> ¿Cuándo es el próximo seminario?
carla> /tickets
"""
    )
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert "pregunta" in run.to("diego")[-2].text
    assert "#1" in run.last("diego").text and run.last("diego").language == "es"
    assert "¿Cuándo es el próximo seminario?" in run.last("carla").text


async def test_reply_to_a_message_without_context(tmp_path: Path, database_url: str) -> None:
    script = (
        ONBOARD
        + onboard("diego", "Español", "Lima")
        + """
diego> [reply 5] hola
"""
    )
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert "/ask" in run.last("diego").text and run.last("diego").language == "es"


async def test_request_without_coordinators_is_kept(tmp_path: Path, database_url: str) -> None:
    script = """
:clock 2026-03-02T12:00:00Z
ana> /start
ana> [press English]
ana> /ask Is anyone there?
carla> /start
ana> /tickets
"""
    run = await play(script, tmp_path, database_url=database_url, coordinators=("console:carla",))
    assert run.exit_code == 0, run.errors
    assert "No coordinator is appointed yet" in run.texts("ana")
    assert "#1" in run.last("ana").text and "open" in run.last("ana").text
    carla = run.texts("carla")
    assert "Welcome" in carla
