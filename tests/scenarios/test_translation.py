"""Scenarios: what people write reaches every reader in their language, through the real
Apertium on this machine — a help request, review comments, team talk — and still arrives,
in the original, when every translator is down."""

from __future__ import annotations

from pathlib import Path

from bot.translation.provider import ProviderError
from handlers.domain import Language
from tests.scenarios.harness import first_code, play, query

# Offline translation with the glossary of the programme, and language detection on.
OFFLINE = """
[translation]
providers = ["apertium"]
[translation.glossary]
participatory_budgeting = { en = "participatory budgeting", \
pt = "orçamento participativo", es = "presupuesto participativo", fr = "budget participatif" }
"""

HELP_DESK = """
:clock 2026-03-02T12:00:00Z
carla> /start
carla> [press Português]
carla> [press Maputo]
marie> /start
marie> [press Français]
marie> [press Dakar]
marie> /ask Bonjour, comment puis-je envoyer notre rapport final sur le budget participatif \
avant le 2026-03-15 ?
carla> [reply 8] Olá Marie, envie o relatório pelo site https://example.org/envio até sexta-feira.
carla> [press Original]
marie> [reply 9] /original
marie> /tr es Bonjour à toutes et à tous
marie> /translate off
carla> /answer 1 Use o modelo D7 v3, por favor.
marie> /translate on
marie> /tr xx hello
marie> /original 999
"""


async def test_a_french_help_request_answered_in_portuguese(tmp_path: Path,
                                                            database_url: str) -> None:
    run = await play(HELP_DESK, tmp_path, database_url=database_url, providers=[],
                     translation=OFFLINE, coordinators=("console:carla",))
    assert run.exit_code == 0, run.errors
    (request,) = [s for s in run.to("carla") if s.number == 8]
    # The coordinator reads Portuguese (French → Spanish → Portuguese, offline); the glossary
    # term arrives in its Portuguese form; the date is untouched; the original is one tap away.
    assert "orçamento participativo" in request.text and "2026-03-15" in request.text
    assert "Bonjour" not in request.text
    assert "🌐 fr→pt" in request.text and request.buttons == ["Original"]
    (answer,) = [s for s in run.to("marie") if s.number == 9]
    assert "https://example.org/envio" in answer.text and "🌐 pt→fr" in answer.text
    assert "Olá Marie" not in answer.text
    # The original, by button and by replying /original.
    original = run.find("carla", "Original da mensagem #8 (fr)")[0]
    assert "Bonjour, comment puis-je envoyer notre rapport final sur le budget participatif " \
           "avant le 2026-03-15 ?" in original.text
    assert "Olá Marie, envie o relatório pelo site" in run.find("marie", "Original du message")[
        0].text
    # On demand, into another language; with automatic translation off, originals arrive.
    assert run.find("marie", "🌐 fr→es")
    as_written = run.find("marie", "Use o modelo D7 v3, por favor.")
    assert as_written and "🌐" not in as_written[0].text
    assert run.find("marie", "« xx » ne fait pas partie des langues")
    assert run.find("marie", "Vous n'avez pas reçu de message n° 999")
    stored = query(database_url,
                   "SELECT count(*) FROM translations WHERE provider = 'apertium'")
    assert stored[0][0] >= 3  # fr→es (a pivot leg), es→pt, pt→es, es→fr …, each kept


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
marie> /start
marie> [press Français]
marie> /tz Dakar
marie> /join {code}
john> /start
john> [press English]
john> /tz Nairobi
john> /join {code}
"""


async def test_a_team_talk_thread_in_four_languages(tmp_path: Path, database_url: str) -> None:
    script = TEAM.format(code=first_code()) + """\
ana> /t Bom dia equipe, o relatório de orçamento participativo está quase pronto.
john> [reply 31] Great news. I will check the budget table tonight.
marie> /teamchat on
marie> Je peux relire la section 3 demain matin.
diego> /t
marie> /teamchat off
marie> Merci
"""
    run = await play(script, tmp_path, database_url=database_url, providers=[],
                     translation=OFFLINE)
    assert run.exit_code == 0, run.errors
    # Ana writes in Portuguese: each teammate reads their own language, with her name.
    to_diego = run.find("diego", "💬 Ana · Rios")[0]
    to_marie = run.find("marie", "💬 Ana · Rios")[0]
    to_john = run.find("john", "💬 Ana · Rios")[0]
    assert to_john.number == 31
    assert "presupuesto participativo" in to_diego.text and "🌐 pt→es" in to_diego.text
    assert "budget participatif" in to_marie.text and "🌐 pt→fr" in to_marie.text
    assert "participatory budgeting" in to_john.text and "🌐 pt→en" in to_john.text
    assert not run.find("ana", "💬 Ana")  # not echoed to the writer
    assert run.find("ana", "✓ Enviado para 3")
    # John replies to the relayed message: the whole team gets it, each in their language.
    assert "🌐 en→pt" in run.find("ana", "💬 John · Rios")[0].text
    assert "🌐 en→es" in run.find("diego", "💬 John · Rios")[0].text
    assert "🌐 en→fr" in run.find("marie", "💬 John · Rios")[0].text
    # Team mode: Marie just writes.
    assert "🌐 fr→es" in run.find("diego", "💬 Marie · Rios")[0].text
    assert "🌐 fr→en" in run.find("john", "💬 Marie · Rios")[0].text
    assert len(run.find("ana", "💬 Marie · Rios")) == 1  # "Merci" came after team mode ended
    assert run.find("diego", "/t The report is ready") == [] and run.find("diego", "/teamchat on")


REVIEW = TEAM + """paul> /start
paul> [press English]
paul> /tz Nairobi
carla> /grant reviewer paul
paul> /reviewer langs en topics orçamento participativo
ana> /newtask Diagnóstico
ana> Relatório
ana> 2026-03-31
ana> Ana, Diego
ana> [press Sem parcela]
diego> [file drafts/v1.pdf] primera versión
"""


async def test_an_english_review_comment_reaches_spanish_and_french_members(
        tmp_path: Path, database_url: str) -> None:
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "v1.pdf").write_bytes(b"%PDF-1.7 first draft")
    script = REVIEW.format(code=first_code()) + """\
paul> [reply 41] Section 2 needs the 2025 budget figures; see https://example.org/data and \
page 4.
diego> [reply 47] Las cifras de 2025 se publican en abril.
"""
    run = await play(script, tmp_path, providers=[], translation=OFFLINE,
                     database_url=database_url)
    assert run.exit_code == 0, run.errors
    (card,) = [s for s in run.to("paul") if s.number == 41]
    assert "D1 v1" in card.text and card.buttons == ["Approve", "Request changes", "Decline",
                                                     "Original"]
    comment = "Section 2 needs the 2025 budget figures; see https://example.org/data and page 4."
    for user, tag in (("diego", "🌐 en→es"), ("marie", "🌐 en→fr"), ("ana", "🌐 en→pt")):
        (received,) = [s for s in run.to(user) if "D1 v1" in s.text and "Paul" in s.text
                       and "🌐" in s.text]
        assert tag in received.text and "https://example.org/data" in received.text
        assert "2025" in received.text and comment not in received.text
    (same_language,) = run.find("john", comment)  # English to English: as written, no tag
    assert "🌐" not in same_language.text
    # Diego answers in Spanish; the reviewer reads it in English.
    answer = run.find("paul", "🌐 es→en")[-1]
    assert "2025" in answer.text and "Las cifras" not in answer.text


async def test_the_whole_chain_down_still_delivers_the_original(tmp_path: Path,
                                                                database_url: str) -> None:
    down = """
[translation]
providers = ["apertium"]
retry_first_minutes = 5
[translation.apertium]
command = "/nonexistent/apertium"
"""
    script = HELP_DESK.split("carla> [reply 8]")[0] + ":clock +10m\n"
    run = await play(script, tmp_path, database_url=database_url, providers=[],
                     translation=down)
    assert run.exit_code == 0, run.errors
    (request,) = [s for s in run.to("carla") if s.number == 8]
    assert "Bonjour, comment puis-je envoyer" in request.text
    assert "A tradução automática não está disponível agora; este é o original (fr)" in \
        request.text
    assert "🌐" not in request.text and request.buttons == []
    retries = query(database_url, "SELECT retries, retry_at IS NOT NULL FROM outbox "
                                  "WHERE id = 8")
    assert retries == [(1, True)]  # tried again after 5 minutes, failed, will try later


class Flaky:
    """A provider that is down until told otherwise (a network coming back)."""

    name = "flaky"
    max_chars = 5000
    pivot: Language | None = None

    def __init__(self) -> None:
        self.up = False

    def supports(self, source: Language, target: Language) -> bool:
        return True

    async def translate(self, text: str, source: Language, target: Language) -> str:
        if not self.up:
            raise ProviderError("network down")
        return f"({target.value}) {text}"

    async def aclose(self) -> None:
        return None


async def test_with_automatic_translation_off_originals_arrive_and_tr_translates(
        tmp_path: Path, database_url: str) -> None:
    script = TEAM.format(code=first_code()) + """marie> /translate off
ana> /t Bom dia equipe, o relatório está quase pronto.
marie> [reply 31] /tr
"""
    run = await play(script, tmp_path, database_url=database_url, providers=[],
                     translation=OFFLINE)
    assert run.exit_code == 0, run.errors
    (original,) = [s for s in run.to("marie") if s.number == 31]
    assert "Bom dia equipe, o relatório está quase pronto." in original.text
    assert "🌐" not in original.text and original.buttons == []
    on_demand = run.last("marie")
    assert "🌐 pt→fr" in on_demand.text and "rapport" in on_demand.text
