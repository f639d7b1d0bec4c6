"""Language detection with lingua: the writer's language unless a text is clearly another."""

from __future__ import annotations

import pytest

from bot.translation.detect import LinguaDetector
from handlers.domain import Language

EN, PT, ES, FR = Language.EN, Language.PT, Language.ES, Language.FR


@pytest.fixture(scope="module")
def detector() -> LinguaDetector:
    return LinguaDetector()


@pytest.mark.parametrize(("text", "language"), [
    ("The budget table is missing from the second section of the report.", EN),
    ("A tabela do orçamento está faltando na segunda seção do relatório.", PT),
    ("Falta la tabla del presupuesto en la segunda sección del informe.", ES),
    ("Il manque le tableau du budget dans la deuxième section du rapport.", FR),
])
def test_a_clear_text_in_another_language_is_recognised(detector: LinguaDetector, text: str,
                                                        language: Language) -> None:
    for claimed in Language:
        assert detector.detect(text, claimed) == language


@pytest.mark.parametrize("text", ["ok", "Obrigado!", "D7 v3", "https://example.org/a", "👍"])
def test_short_texts_keep_the_writers_language(detector: LinguaDetector, text: str) -> None:
    assert detector.detect(text, PT) == PT


def test_eager_detection_for_translation_on_demand(detector: LinguaDetector) -> None:
    assert detector.detect("Bonjour à tous", ES) == ES  # too short to be sure…
    assert detector.detect("Bonjour à tous", ES, eager=True) == FR  # …unless asked to guess
    assert detector.detect("ok", ES, eager=True) == ES  # nothing to judge: the claim stands
