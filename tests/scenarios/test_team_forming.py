"""Scenario: three people in three languages form a team; wrong codes; approval required."""

from __future__ import annotations

from pathlib import Path

from tests.scenarios.harness import ONBOARD, first_code, onboard, play, propose


async def test_three_languages_form_a_team(tmp_path: Path, database_url: str) -> None:
    code = first_code()
    script = (
        ONBOARD
        + onboard("ana", "Português", "Maputo")
        + onboard("diego", "Español", "Lima")
        + onboard("amadou", "Français", "Dakar")
        + propose("ana", "Orçamento Aberto", "Orçamento participativo", "África Austral")
        + f"""
diego> /join {code}
amadou> /join {code.lower()}
ana> /colead Diego
ana> /team
diego> /team
"""
    )
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    (created,) = run.find("ana", f"/join {code}")
    assert created.language == "pt" and "líder" in created.text
    (notice,) = run.find("carla", "Orçamento Aberto")
    assert notice.language == "en" and "Southern Africa" in notice.text and "Ana" in notice.text
    (welcome,) = run.find("diego", "Ana.")  # welcome to the team, naming its leader
    assert welcome.language == "es" and "Orçamento Aberto" in welcome.text
    assert run.find("ana", "Diego entrou") and run.find("ana", "Amadou entrou")
    assert run.find("diego", "Amadou se unió")
    assert run.find("amadou", "Diego est désormais co-responsable")
    ana_view, diego_view = run.last("ana"), run.last("diego")
    for line in (
        "Ana — líder · Português · Maputo, 14:00",
        "Diego — colíder · Español · Lima, 07:00",
        "Amadou — membro · Français · Dakar, 12:00",
    ):
        assert line in ana_view.text
    assert "Diego — colíder · Español · Lima, 07:00" in diego_view.text
    assert diego_view.language == "es" and "Amadou — miembro" in diego_view.text
    assert f"Código de acceso: {code}" in diego_view.text


async def test_wrong_join_code_is_refused_and_stores_nothing(
    tmp_path: Path, database_url: str
) -> None:
    code = first_code()
    script = (
        ONBOARD
        + onboard("ana", "Português", "Maputo")
        + onboard("diego", "Español", "Lima")
        + f"""
ana> /newteam Budget Demystification
ana> Budget literacy
ana> [press América Latina]
diego> /join WRONG1
diego> /join
diego> {code[:-1]}
diego> /team
"""
    )
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    refusals = [s for s in run.to("diego") if "WRONG1" in s.text or code[:-1] in s.text]
    assert len(refusals) == 2 and all(s.language == "es" for s in refusals)
    assert "/ask" in refusals[0].text  # says what to do instead
    assert "/join" in run.last("diego").text  # still not in a team
    assert not any("Diego" in s.text for s in run.to("ana"))


async def test_approval_required_and_given(tmp_path: Path, database_url: str) -> None:
    code = first_code()
    script = (
        ONBOARD
        + onboard("ana", "Português", "Maputo")
        + onboard("diego", "Español", "Lima")
        + propose("ana", "Orçamento Aberto", "Orçamento participativo", "África Austral")
        + f"""
diego> /join {code}
carla> [press Approve]
carla> [press Approve]
diego> /join {code}
"""
    )
    run = await play(script, tmp_path, database_url=database_url, approval=True)
    assert run.exit_code == 0, run.errors
    (pending,) = run.find("ana", "aprovação")
    assert code not in pending.text
    card = [s for s in run.to("carla") if s.data == ["approve:1", "reject:1"]]
    assert len(card) == 1 and card[0].buttons == ["Approve", "Reject"]
    assert "Ana" in card[0].text and "Southern Africa" in card[0].text
    diego = run.to("diego")
    assert "aprobación" in diego[-2].text  # the team was not approved yet
    approved = [s for s in run.to("ana") if code in s.text]
    assert len(approved) == 1 and approved[0].language == "pt"
    assert "approved" in run.to("carla")[-2].text
    assert "already" in run.to("carla")[-1].text  # the second press changes nothing
    assert "Orçamento Aberto" in diego[-1].text and diego[-1].language == "es"


async def test_a_team_waiting_for_approval_shows_no_join_code(
    tmp_path: Path, database_url: str
) -> None:
    script = (
        ONBOARD
        + onboard("ana", "English", "Nairobi")
        + """
ana> /newteam Open Budgets
ana> Budget transparency
ana> [press East Africa]
ana> /team
"""
    )
    run = await play(script, tmp_path, database_url=database_url, approval=True)
    assert run.exit_code == 0, run.errors
    assert "waiting for approval" in run.last("ana").text
    assert "Join code" not in run.last("ana").text


async def test_a_newcomer_writing_plain_text_is_only_greeted(
    tmp_path: Path, database_url: str
) -> None:
    script = """
:clock 2026-03-02T12:00:00Z
zara> hello, is this the help desk?
zara> [press Français]
zara> Kigali
"""
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    first, language, zone = run.to("zara")
    assert "Welcome to peerdesk, Zara!" in first.text and "don't know" not in first.text
    assert language.language == "fr" and "Kigali" in zone.text


async def test_deep_link_start_joins_the_team(tmp_path: Path, database_url: str) -> None:
    code = first_code()
    script = (
        ONBOARD
        + onboard("ana", "English", "Nairobi")
        + f"""
ana> /newteam Open Budgets
ana> Budget transparency
ana> [press East Africa]
bob> /start join_{code}
bob> [press English]
bob> [press Kampala]
"""
    )
    run = await play(script, tmp_path, database_url=database_url)
    assert run.exit_code == 0, run.errors
    welcome_to_team, greeting = run.to("bob")[:2]
    assert "Welcome to team “Open Budgets”" in welcome_to_team.text
    assert "Welcome to peerdesk" in greeting.text
    assert run.find("ana", "Bob joined team “Open Budgets”")
    assert "All set" in run.last("bob").text
