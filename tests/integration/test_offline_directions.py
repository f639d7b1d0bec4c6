"""Offline translation in all 12 directions through the chain and the real Apertium (APy and
the command), with every protected span reaching the reader byte for byte."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.translation.apertium import ApertiumApy, ApertiumCli
from bot.translation.protect import Glossary
from bot.translation.service import TranslationService
from handlers.domain import Language
from tests.unit.test_translation_chain import MemoryCache

EN, PT, ES, FR = Language.EN, Language.PT, Language.ES, Language.FR

TEXTS = {
    EN: "Please send the final report to {spans} before Friday; the team meets tomorrow.",
    PT: "Por favor, envie o relatório final para {spans} antes de sexta-feira; a equipe se "
        "reúne amanhã.",
    ES: "Por favor, envía el informe final a {spans} antes del viernes; el equipo se reúne "
        "mañana.",
    FR: "Merci d'envoyer le rapport final à {spans} avant vendredi ; l'équipe se réunit demain.",
}
# Words the translation must contain (the sentence really was translated).
EXPECTED = {EN: "report", PT: "relatório", ES: "informe", FR: "rapport"}
SPANS = ["maria.silva@example.org", "https://example.org/upload?team=7&lang=pt", "@ana",
         "D7 v3", "T12", "K7M2QX", "2026-03-15", "14:30", "R$ 1.250,50", "15%", "/status",
         "relatorio_final-v2.pdf", "`peerdesk export --format csv`"]
DIRECTIONS = [(s, t) for s in Language for t in Language if s != t]
GLOSSARY = Glossary({"pb": {EN: "participatory budgeting", PT: "orçamento participativo",
                            ES: "presupuesto participativo", FR: "budget participatif"}})


@pytest.fixture(params=["apy", "cli"])
async def chain(request: pytest.FixtureRequest) -> AsyncIterator[TranslationService]:
    """The chain with one Apertium provider (APy server, or the command)."""
    provider: ApertiumApy | ApertiumCli
    if request.param == "apy":
        provider = ApertiumApy(request.getfixturevalue("apy_url"))
    else:
        provider = ApertiumCli()
    service = TranslationService(providers=[provider], cache=MemoryCache(), glossary=GLOSSARY,
                                 deadline=60)
    yield service
    await service.aclose()


@pytest.mark.parametrize(("source", "target"), DIRECTIONS,
                         ids=[f"{s.value}-{t.value}" for s, t in DIRECTIONS])
async def test_every_direction_translates_and_keeps_protected_spans(
        chain: TranslationService, source: Language, target: Language) -> None:
    text = TEXTS[source].format(spans=" , ".join(SPANS))
    result = await chain.translate(text, source, target)
    assert result.provider == "apertium" and result.target == target
    assert EXPECTED[target] in result.text.lower(), result.text
    for span in SPANS:
        assert span in result.text, (span, result.text)
    # Pairs without a direct Apertium mode went through Spanish: two calls, else one.
    direct = ES in (source, target)
    assert chain.calls["apertium"] == (1 if direct else 2)


async def test_glossary_terms_in_every_language(chain: TranslationService) -> None:
    text = "Our study of participatory budgeting in three cities is late."
    readers = {target: (await chain.translate(text, EN, target)).text for target in (PT, ES, FR)}
    assert "orçamento participativo" in readers[PT]
    assert "presupuesto participativo" in readers[ES]
    assert "budget participatif" in readers[FR]
    assert chain.calls["apertium"] == 3  # en→es once, then es→pt and es→fr


async def test_spanish_to_french_keeps_tokens_in_place(chain: TranslationService) -> None:
    # Apertium's es→fr moved bracketed tokens ("⟦envoie⟧ 0"), which forced translating
    # around each span; tokens written as words stay put, so one call suffices.
    text = "Envía D7 v3 y T12 para viernes; 50% de EUR 10,000 (ver https://x.org/a)."
    result = await chain.translate(text, ES, FR)
    for span in ("D7 v3", "T12", "50%", "EUR 10,000", "https://x.org/a"):
        assert span in result.text
    assert chain.calls["apertium"] == 1 and "vendredi" in result.text
