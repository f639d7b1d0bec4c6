"""Translation as the help desk sees it: the port, the quoted texts of a message, the finish.

A message quoting what someone wrote is queued with a *template* (the bot's own words in the
reader's language, with a marker where each quoted text goes) and its *pieces* (the quoted
texts, their language and the language wanted). The translation stage in ``bot/`` asks a
:class:`Translator` for each piece and calls :func:`finish_message` to build what is sent:
the translations in place, a ``🌐 pt→fr`` tag, and an "Original" button; or, when no
translator could help, the original with a one-line note.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

from handlers.catalogue import MARK_CLOSE, MARK_OPEN, Catalogue
from handlers.domain import Language
from handlers.messages import Phrase

# The data of the button that shows a message's original (``original:<message number>``).
ORIGINAL = "original"


class Piece(NamedTuple):
    """One quoted text of a message: what was written, in which language, for which reader.

    ``detect`` is False when the writer's language is certain (nothing to detect); ``eager``
    asks for detection even of short texts (``/tr``: the text is likely not in the writer's
    language); ``wanted`` is False when the reader gets originals (the text goes out as
    written, and is kept for a later ``/tr``).
    """

    text: str
    source: Language
    target: Language
    detect: bool = True
    eager: bool = False
    #: False for a reader who turned automatic translation off: kept for ``/tr`` only.
    wanted: bool = True

    @property
    def needs_work(self) -> bool:
        """Whether the translation stage has anything to do for this text."""
        return self.wanted and (self.detect or self.source != self.target)


class Translation(NamedTuple):
    """A piece as the reader gets it; ``provider`` is None when it needed no translation."""

    text: str
    source: Language
    target: Language
    provider: str | None = None


class TranslationUnavailable(Exception):
    """No translator could translate the text now (all down, timed out or refused)."""


class Translator(Protocol):
    """Translates text between the four languages (implemented in ``bot/``)."""

    async def translate(self, text: str, source: Language, target: Language) -> Translation:
        """The text in the target language, or :class:`TranslationUnavailable`."""
        ...


class LanguageDetector(Protocol):
    """Tells which of the four languages a text is clearly written in."""

    def detect(self, text: str, claimed: Language, *, eager: bool = False) -> Language:
        """The text's language: ``claimed`` unless the text is clearly in another one (with
        ``eager``: whichever language the text most likely is in, even a short one)."""
        ...


def fill(template: str, texts: Sequence[str]) -> str:
    """The template with the i-th marker replaced by the i-th text."""
    parts = template.split(MARK_OPEN)
    out = [parts[0]]
    for part in parts[1:]:
        number, _, rest = part.partition(MARK_CLOSE)
        index = int(number) if number.isdecimal() else -1
        out.append(texts[index] if 0 <= index < len(texts) else "")
        out.append(rest)
    return "".join(out)


def original_text(template: str, pieces: Sequence[Piece]) -> str:
    """The message with every quoted text as it was written."""
    return fill(template, [piece.text for piece in pieces])


class Finished(NamedTuple):
    """What the reader gets: the text, and whether an "Original" button belongs to it."""

    text: str
    translated: bool
    failed: bool


def finish_message(catalogue: Catalogue, language: Language, template: str,
                   pieces: Sequence[Piece], results: Sequence[Translation | None],
                   *, will_retry: bool) -> Finished:
    """Put each piece's translation in place (or its original when it failed), then the tag.

    ``results[i]`` is None when no translator could translate ``pieces[i]``.
    """
    texts: list[str] = []
    pairs: list[tuple[Language, Language]] = []
    failed: list[Piece] = []
    for piece, result in zip(pieces, results, strict=True):
        if result is None:
            texts.append(piece.text)
            failed.append(piece)
        else:
            texts.append(result.text)
            changed = result.provider is not None and result.text != piece.text
            if changed and (result.source, result.target) not in pairs:
                pairs.append((result.source, result.target))
    lines = [fill(template, texts)]
    if pairs:
        lines.append("🌐 " + ", ".join(f"{s.value}→{t.value}" for s, t in pairs))
    if failed:
        key = "translation.unavailable_retry" if will_retry else "translation.unavailable"
        lines.append(catalogue.render(Phrase(key, {"language": failed[0].source.value}),
                                      language))
    return Finished("\n".join(lines), bool(pairs), bool(failed))
