"""Spans that must reach the reader exactly as written, hidden from the translator as ``⟦n⟧``.

Before a text goes to a machine translator, URLs, e-mail addresses, mentions, commands, join
codes, deliverable and task ids, numbers, dates, amounts, file names, code in backticks and any
``⟦…⟧`` already in the text are replaced by tokens ``⟦0⟧``, ``⟦1⟧``, …; glossary terms become
tokens standing for the reader's term. :func:`restore` puts them back, :func:`segments` serves
the fallback of translating around them, and :func:`split_for_limit` cuts a long text into
pieces a provider accepts.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass

from handlers.domain import Language

_SP = r"[ \u00a0\u202f]"
_CODES = r"(?:EUR|USD|BRL|GBP|CHF|CAD|MXN|ARS|COP|CLP|XOF)"
_SPAN = re.compile("|".join((
    r"⟦[^⟦⟧\n]*⟧|[⟦⟧]",  # tokens already in the text, and stray brackets
    r"```[\s\S]*?```|`[^`\n]+`",  # code, fenced or inline
    r"<(?:[@#!]|https?://|mailto:|tel:)[^<>\n]*>",  # Slack: <@U1>, <#C1|general>, <url|label>
    # URL, balanced parentheses kept, trailing punctuation left out
    r"(?<![\w.@])(?:https?://|www\.)(?:[^\s<>()`]|\([^\s<>()`]*\))*"
    r"(?:[^\s<>()`.,;:!?'\"\u201d\u2019\u00bb*\]}]|\([^\s<>()`]*\))",
    r"(?<![\w.+\-@])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}(?![\w@])",  # e-mail
    r"(?<![\w.@/])@\w(?:[\w.\-]*\w)?",  # @mention
    r"(?<!\S)/[A-Za-z][A-Za-z0-9_]*(?:@[A-Za-z0-9_]+)?(?![\w/])",  # /command
    r"(?<![\w\-.])[\w\-]+(?:\.[\w\-]+)*\.(?:[a-z][a-z0-9]{1,4}|[A-Z][A-Z0-9]{1,4})(?!\w)",  # file
    r"(?<!\w)(?=[A-HJ-NP-Z2-9]{0,5}[2-9])(?=[A-HJ-NP-Z2-9]{0,5}[A-HJ-NP-Z])"
    r"[A-HJ-NP-Z2-9]{6}(?!\w)",  # join code
    r"(?<!\w)[DT]\d+(?: ?v\d+)?(?!\w)",  # deliverable / task id
    r"(?<!\w)\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+\-]\d\d:?\d\d)?(?!\w)",
    # numbers, dates, times and amounts: 1,250.50 EUR, R$ 1.000,00, 3.11.2026, 14:30, 20 MB
    rf"(?<![\w$€£¥₹])(?:(?:(?:R|US|C|A|MX)?\$|[€£¥₹]|{_CODES}(?={_SP}?[-+\u2212]?\d)){_SP}?)?"
    r"[-+\u2212]?\d++(?:[.,:/'\-\u00a0\u202f]\d++)*+"
    rf"(?:{_SP}?(?:[%‰]|(?:[KMGT]i?B|kB)(?!\w)|(?:[€$£¥]|{_CODES}(?!\w))(?!{_SP}?\d))"
    r"|[kKM](?!\w)|h(?:\d\d)?(?!\w))?"
    r"(?!\w)",
)))
_JOINABLE = re.compile(r"[^\w\s]*")  # a gap of bare punctuation joins two spans into one
_TOKEN = re.compile(r"⟦(\d+)⟧")
_LETTER = re.compile(r"[^\W\d_]")
_GAP = r"\s+"  # any whitespace between the words of a glossary term
_BOUNDARY = re.compile(r"(?:(?<=[.!?…])[\"'\u201d\u2019\u00bb)\]]*|(?=[^\S\n]*\n))(\s+)")

_Span = tuple[int, int, str]  # start, end, what goes back in its place


class SpansLost(Exception):
    """The translation lost, duplicated or invented a ``⟦n⟧`` token."""


@dataclass(frozen=True)
class Protected:
    """A text with its spans replaced by tokens; token ``i`` stands for ``replacements[i]``."""

    text: str
    replacements: tuple[str, ...]


@dataclass(frozen=True)
class Segment:
    """A piece of a protected text: ``translate`` it, or keep ``text`` exactly as it is."""

    text: str
    translate: bool


class Glossary:
    """Programme terms and how each language says them (term id → {language: term}).

    A term is found case-insensitively, as whole words (Unicode-aware: accents count, so
    "orcamento" is not "orçamento"), longest term first, any run of whitespace between its
    words. Terms are matched exactly as configured: no plurals or other inflections. A term
    missing in the source or the target language is not applied for that pair.
    """

    def __init__(self, terms: Mapping[str, Mapping[Language, str]] | None = None) -> None:
        """Compile one pattern per source language from the configured terms."""
        self._entries = tuple(dict(forms) for forms in (terms or {}).values())
        self._patterns = {language: self._compile(language) for language in Language}
        described = sorted(sorted((lang.value, term) for lang, term in forms.items())
                           for forms in self._entries)
        #: Changes whenever a term does, so translations kept under another glossary are not
        #: reused (part of the cache key).
        self.fingerprint = hashlib.sha256(repr(described).encode("utf-8")).hexdigest()[:16] \
            if self._entries else ""

    def _compile(self, source: Language) -> re.Pattern[str] | None:
        found = [(i, e[source]) for i, e in enumerate(self._entries) if e.get(source, "").strip()]
        if not found:
            return None
        found.sort(key=lambda item: -len(item[1]))
        parts = (f"(?P<g{i}>{_GAP.join(map(re.escape, term.split()))})" for i, term in found)
        return re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)", re.IGNORECASE)

    def matches(self, text: str, source: Language, target: Language) -> list[tuple[int, int, str]]:
        """(start, end, target term) for every source term in the text that has a target form."""
        pattern = self._patterns[source]
        if pattern is None or source == target:
            return []
        found: list[tuple[int, int, str]] = []
        for m in pattern.finditer(text):
            term = self._entries[int((m.lastgroup or "g0")[1:])].get(target)
            if term:
                found.append((m.start(), m.end(), _match_case(m.group(), term)))
        return found


def _match_case(source: str, term: str) -> str:
    """The target term capitalised like the source match (all capitals, or the first letter)."""
    if source.isupper() and len(_LETTER.findall(source)) > 1:
        return term.upper()
    return term[:1].upper() + term[1:] if source[:1].isupper() else term


def _merge(text: str, spans: list[_Span]) -> list[_Span]:
    """Join spans that touch or are separated only by punctuation (no space, no letter)."""
    merged: list[_Span] = []
    for start, end, replacement in sorted(spans):
        if merged and _JOINABLE.fullmatch(text, merged[-1][1], start):
            first, last, before = merged[-1]
            merged[-1] = (first, end, before + text[last:start] + replacement)
        else:
            merged.append((start, end, replacement))
    return merged


def protect(text: str, source: Language, target: Language, glossary: Glossary) -> Protected:
    """The text with its protected spans and glossary terms replaced by ``⟦n⟧`` tokens."""
    fixed = [(m.start(), m.end(), m.group()) for m in _SPAN.finditer(text)]
    starts = [start for start, _end, _r in fixed]
    spans = list(fixed)
    for start, end, term in glossary.matches(text, source, target):
        i = bisect_right(starts, start)  # keep terms that overlap no fixed span
        if (i == 0 or fixed[i - 1][1] <= start) and (i == len(fixed) or fixed[i][0] >= end):
            spans.append((start, end, term))
    pieces: list[str] = []
    replacements: list[str] = []
    position = 0
    for start, end, replacement in _merge(text, spans):
        pieces += [text[position:start], f"⟦{len(replacements)}⟧"]
        replacements.append(replacement)
        position = end
    pieces.append(text[position:])
    return Protected("".join(pieces), tuple(replacements))


def restore(translated: str, protected: Protected) -> str:
    """The translation with every token replaced by its span; :class:`SpansLost` if any token
    is missing, duplicated or unknown (tokens must come back exactly as sent)."""
    seen: set[int] = set()
    for m in _TOKEN.finditer(translated):
        index = int(m.group(1))
        if m.group() != f"⟦{index}⟧" or index >= len(protected.replacements) or index in seen:
            raise SpansLost(f"unexpected or repeated token {m.group()}")
        seen.add(index)
    if len(seen) < len(protected.replacements):
        raise SpansLost(f"{len(protected.replacements) - len(seen)} token(s) missing")
    if translated.count("⟦") + translated.count("⟧") != 2 * len(seen):
        raise SpansLost("a broken token")
    return _TOKEN.sub(lambda m: protected.replacements[int(m.group(1))], translated)


def _text_segments(text: str) -> list[Segment]:
    """Whitespace at the edges kept as is; the core translated only if it has a letter."""
    core = text.strip()
    if not core:
        return [Segment(text, False)] if text else []
    lead, trail = text[:len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    parts = [Segment(lead, False), Segment(core, bool(_LETTER.search(core))),
             Segment(trail, False)]
    return [part for part in parts if part.text]


def segments(protected: Protected) -> list[Segment]:
    """The protected text as pieces to translate and fixed replacements, in order; joining the
    translated pieces and the fixed ones gives the translation with every span intact."""
    out: list[Segment] = []
    position = 0
    for m in _TOKEN.finditer(protected.text):
        out += _text_segments(protected.text[position:m.start()])
        out.append(Segment(protected.replacements[int(m.group(1))], False))
        position = m.end()
    return out + _text_segments(protected.text[position:])


def _cut(text: str, start: int, limit: int) -> int:
    """Where the chunk starting at ``start`` ends (``limit`` = the furthest it may end)."""
    best = 0
    for m in _BOUNDARY.finditer(text, start, limit + 1):
        best = min(m.end(1), limit)
    if best > start:
        return best
    space = max(text.rfind(c, start + 1, limit) for c in (" ", "\n", "\t", "\u00a0"))
    if space > start:
        return space + 1
    cut = limit
    while cut > start + 1 and unicodedata.combining(text[cut]):
        cut -= 1  # keep an accent with its letter
    for m in _TOKEN.finditer(text, start):
        if m.start() >= cut:
            break
        if cut < m.end():
            return m.start() if m.start() > start else m.end()
    return cut


def split_for_limit(text: str, max_chars: int) -> list[str]:
    """Chunks of at most ``max_chars`` that join back into exactly ``text``.

    Cuts at the latest sentence end (. ! ? … before whitespace) or line break that fits, else
    after the last whitespace, else anywhere; never inside a ``⟦n⟧`` token (a token longer
    than ``max_chars`` is kept whole).
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    chunks: list[str] = []
    start = 0
    while len(text) - start > max_chars:
        end = _cut(text, start, start + max_chars)
        chunks.append(text[start:end])
        start = end
    if start < len(text):
        chunks.append(text[start:])
    return chunks
