"""Which of the four languages a text is in, with lingua: used only when the text is clear.

People mostly write in the language they chose, so the writer's language is the answer unless
the text is long enough to judge and lingua is confident it is another of the four (a
Portuguese speaker who writes to the team in English). The detector is built on first use,
with lingua's low-accuracy models (a few megabytes, well under a millisecond per text).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from handlers.domain import Language

if TYPE_CHECKING:
    from lingua import LanguageDetector as Lingua


class LinguaDetector:
    """Implements the help desk's ``LanguageDetector`` port."""

    def __init__(self, min_letters: int = 20, min_confidence: float = 0.9) -> None:
        self.min_letters = min_letters
        self.min_confidence = min_confidence
        self._detector: Lingua | None = None
        self._lock = threading.Lock()
        self._ours: dict[str, Language] = {}

    def _build(self) -> Lingua:
        with self._lock:
            if self._detector is None:
                from lingua import Language as L
                from lingua import LanguageDetectorBuilder

                self._ours = {L.ENGLISH.name: Language.EN, L.PORTUGUESE.name: Language.PT,
                              L.SPANISH.name: Language.ES, L.FRENCH.name: Language.FR}
                self._detector = (LanguageDetectorBuilder
                                  .from_languages(L.ENGLISH, L.PORTUGUESE, L.SPANISH, L.FRENCH)
                                  .with_low_accuracy_mode().build())
            return self._detector

    def detect(self, text: str, claimed: Language, *, eager: bool = False) -> Language:
        """The text's language: ``claimed`` unless the text clearly is in another one.

        ``eager`` (``/tr``): the most likely language of any text with a few letters.
        """
        letters = sum(1 for ch in text if ch.isalpha())
        if letters < (3 if eager else self.min_letters):
            return claimed
        detector = self._detector or self._build()
        confidence = {self._ours[value.language.name]: value.value
                      for value in detector.compute_language_confidence_values(text)}
        best = max(confidence, key=lambda language: confidence[language])
        if eager:
            return best if confidence[best] > confidence.get(claimed, 0.0) else claimed
        if best != claimed and confidence[best] >= self.min_confidence \
                and confidence.get(claimed, 0.0) <= 1 - self.min_confidence:
            return best
        return claimed
