"""Scenario: every permission refusal, in the refused person's language, changing nothing."""

from __future__ import annotations

from pathlib import Path

from tests.scenarios.harness import ONBOARD, first_code, onboard, play, propose, query

COORDINATOR_ONLY_ES = "Solo los coordinadores pueden hacer eso"


async def test_members_are_refused_coordinator_commands(tmp_path: Path, database_url: str) -> None:
    code = first_code()
    script = (
        ONBOARD
        + onboard("ana", "Português", "Maputo")
        + onboard("diego", "Español", "Lima")
        + propose("ana", "Orçamento Aberto", "Orçamento participativo", "África Austral")
        + f"""
diego> /join {code}
diego> /grant reviewer Ana
diego> /revoke coordinator Carla
diego> /teams
diego> /team Orçamento Aberto
diego> /answer 1 hola
diego> /grant
diego> /colead Ana
diego> /leader Diego
carla> /help
diego> /help
"""
    )
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    diego = run.to("diego")
    refusals = diego[-9:-1]
    assert all(s.language == "es" for s in refusals)
    coordinator_only = [s for s in refusals if COORDINATOR_ONLY_ES in s.text]
    assert len(coordinator_only) == 6, [s.text for s in refusals]
    assert all("/ask" in s.text for s in coordinator_only)  # says what to do instead
    leader_only = refusals[-2:]
    assert all("líder" in s.text for s in leader_only)
    # Nothing changed: Ana holds no role, Carla is still coordinator, the team is led by Ana.
    assert not run.find("ana", "revisor")
    roles = query(database_url, "SELECT m.name, r.role FROM member_roles r "
                                "JOIN members m ON m.id = r.member_id ORDER BY m.name")
    assert roles == [("Carla", "coordinator")]
    leaders = query(database_url, "SELECT t.name, l.name, t.co_leader_id FROM teams t "
                                  "JOIN members l ON l.id = t.leader_id")
    assert leaders == [("Orçamento Aberto", "Ana", None)]
    assert "/grant" in run.last("carla").text and "/teams" in run.last("carla").text
    help_es = run.last("diego").text
    assert "/grant" not in help_es and "/teams" not in help_es and "/answer" not in help_es
    assert "/leave" in help_es and "/newteam" not in help_es


async def test_only_asker_or_coordinator_closes_a_request(
    tmp_path: Path, database_url: str
) -> None:
    script = (
        ONBOARD
        + onboard("ana", "Português", "Maputo")
        + onboard("diego", "Español", "Lima")
        + """
ana> /ask Onde está o modelo?
diego> /close 1
diego> /close 7
diego> /close abc
carla> /close 1
carla> /close 1
"""
    )
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    not_yours, missing, bad = run.to("diego")[-3:]
    assert "#1" in not_yours.text and not_yours.language == "es"
    assert "7" in missing.text and "/tickets" in missing.text
    assert "abc" in bad.text
    assert "#1" in run.to("carla")[-2].text and "already" in run.last("carla").text
    assert run.find("ana", "Carla")  # told who closed it


async def test_leadership_needs_the_leader(tmp_path: Path, database_url: str) -> None:
    code = first_code()
    script = (
        ONBOARD
        + onboard("ana", "English", "Nairobi")
        + onboard("bob", "English", "Kampala")
        + onboard("eve", "English", "Harare")
        + f"""
ana> /newteam Open Budgets
ana> Budget transparency
ana> [press East Africa]
bob> /join {code}
eve> /join {code}
eve> /colead Eve
bob> /leave
bob> [press Leave]
ana> /leave
ana> /leader Eve
ana> /leave
ana> [press Leave]
eve> /team
"""
    )
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    assert "Only your team's leader" in run.find("eve", "Only")[0].text
    assert run.find("bob", "You left team")
    assert "hand the leadership" in run.find("ana", "hand the leadership")[0].text
    assert run.find("eve", "Eve now leads team")
    assert run.find("ana", "You left team")
    team = run.last("eve").text
    assert "Eve — leader" in team and "Ana" not in team and "Bob" not in team
