"""Protected spans: what is hidden from the translator, how it comes back, and long texts cut."""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise, permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.translation.protect import (
    Glossary,
    Protected,
    Segment,
    SpansLost,
    protect,
    restore,
    segments,
    split_for_limit,
)
from handlers.domain import Language

EN, PT, ES, FR = Language.EN, Language.PT, Language.ES, Language.FR
TOKEN = re.compile(r"⟦\d+⟧")
NONE = Glossary()
TERMS = {
    "participatory_budgeting": {EN: "participatory budgeting", PT: "orçamento participativo",
                                ES: "presupuesto participativo", FR: "budget participatif"},
    "budget": {EN: "budget", PT: "orçamento", ES: "presupuesto", FR: "budget"},
    "terms_of_reference": {EN: "terms of reference", PT: "termos de referência"},
}
GLOSSARY = Glossary(TERMS)

SPANS = {
    "url": "https://example.org/a?b=1&c=%20",
    "url with path": "http://peerdesk.example/docs/guide#setup",
    "www url": "www.example.com/plano",
    "url with parentheses": "https://en.wikipedia.org/wiki/Budget_(disambiguation)",
    "e-mail": "maria.silva+desk@example.com.br",
    "mention": "@maria",
    "mention with dot": "@joão.pereira",
    "slack user": "<@U123ABC>",
    "slack channel": "<#C123|general>",
    "slack link": "<https://x.example|the label>",
    "command": "/start",
    "short command": "/t",
    "command for a bot": "/tr@peerdesk_bot",
    "join code": "K7M2QX",
    "join code starting with a digit": "7KM2QX",
    "deliverable": "D7",
    "deliverable version": "D7 v3",
    "task": "T12",
    "integer": "42",
    "decimal": "3.14",
    "negative": "-5",
    "iso date": "2026-11-03",
    "slashed date": "03/11/2026",
    "dotted date": "3.11.2026",
    "time": "14:30",
    "french time": "14h30",
    "iso date and time": "2026-11-03T14:30:00Z",
    "amount with code": "1,250.50 EUR",
    "euro prefix": "€ 300",
    "reais": "R$ 1.000,00",
    "dollars": "$300",
    "us dollars": "US$ 5",
    "euro suffix": "300 €",
    "percent": "15%",
    "size": "20 MB",
    "size without space": "1.5GB",
    "thousands": "10k",
    "range": "3-5",
    "file": "report_v2.pdf",
    "spreadsheet": "budget.xlsx",
    "upper case file": "SCAN.PDF",
    "accented file": "relatório.docx",
    "inline code": "`git pull --rebase`",
    "fenced code": "```python\nprint('olá')\nx = [1, 2]\n```",
    "existing token": "⟦3⟧",
    "stray bracket": "⟦",
}


def fake_mt(text: str) -> str:
    """A translator that shouts and reverses the word order but leaves tokens alone."""
    return " ".join(reversed(text.upper().split()))


def test_a_text_without_spans_is_left_as_it_is() -> None:
    protected = protect("Nothing to hide here.", EN, PT, NONE)
    assert protected == Protected("Nothing to hide here.", ())
    assert restore("Nada a esconder aqui.", protected) == "Nada a esconder aqui."


@pytest.mark.parametrize("span", SPANS.values(), ids=SPANS.keys())
def test_every_kind_of_span_is_hidden_and_comes_back_byte_for_byte(span: str) -> None:
    text = f"Please look at {span} before friday, thanks"
    protected = protect(text, EN, PT, NONE)
    assert protected.replacements == (span,)
    assert protected.text == "Please look at ⟦0⟧ before friday, thanks"
    translated = fake_mt(protected.text)
    assert translated == "THANKS FRIDAY, BEFORE ⟦0⟧ AT LOOK PLEASE"
    assert restore(translated, protected) == "THANKS FRIDAY, BEFORE " + span + " AT LOOK PLEASE"


@pytest.mark.parametrize("span", SPANS.values(), ids=SPANS.keys())
def test_a_span_ending_a_sentence_leaves_the_punctuation_outside(span: str) -> None:
    for after in (".", ",", ")", "!", "?", ";"):
        protected = protect(f"(see {span}{after} Then go", EN, FR, NONE)
        assert protected.replacements == (span,), after
        assert protected.text == f"(see ⟦0⟧{after} Then go"


@pytest.mark.parametrize("text", [
    "and/or", "the /usr/bin folder", "abc123", "KOMBIX", "K7M2QXZ", "I7M2QX", "K7M2Q0",
    "d7 is lower case", "Dx7", "e.g. this", "i.e. that", "etc. more", "done.Next",
    "1st place", "www. nothing", "https:// nothing", "maria@", "an @ sign", "` unclosed",
])
def test_ordinary_words_are_not_protected(text: str) -> None:
    assert protect(text, EN, PT, NONE).replacements == ()


def test_several_spans_in_one_message() -> None:
    text = ("Hi @maria, the code is K7M2QX. Upload D7 v3 (report_v2.pdf, 20 MB) to "
            "https://example.org/up by 2026-11-03 14:30 and mail ana@example.org; budget: "
            "R$ 1.000,00 or 15% more. Run /start and see `config.toml`.")
    protected = protect(text, EN, ES, NONE)
    assert protected.replacements == (
        "@maria", "K7M2QX", "D7 v3", "report_v2.pdf", "20 MB", "https://example.org/up",
        "2026-11-03", "14:30", "ana@example.org", "R$ 1.000,00", "15%", "/start",
        "`config.toml`")
    assert not re.search(r"\d", TOKEN.sub("", protected.text))
    assert restore(fake_mt(protected.text), protected).count("https://example.org/up") == 1


def test_touching_spans_and_spans_joined_by_punctuation_become_one() -> None:
    protected = protect("Deliver D7/T3 from 14:30\u201315:00 or D7.1 at (@ana,@bia)", EN, PT, NONE)
    assert protected.replacements == ("D7/T3", "14:30\u201315:00", "D7.1", "@ana,@bia")


def test_whitespace_between_spans_is_not_protected() -> None:
    protected = protect("D7 T3\n42  K7M2QX", EN, PT, NONE)
    assert protected.text == "⟦0⟧ ⟦1⟧\n⟦2⟧  ⟦3⟧"
    assert protected.replacements == ("D7", "T3", "42", "K7M2QX")


def test_brackets_in_the_text_cannot_be_mistaken_for_tokens() -> None:
    text = "Literally ⟦0⟧ and ⟦1⟧, a lone ⟧ and ⟦ x"
    protected = protect(text, EN, PT, NONE)
    assert TOKEN.sub("", protected.text).count("⟦") == 0
    assert TOKEN.sub("", protected.text).count("⟧") == 0
    assert restore(protected.text, protected) == text


def test_a_span_inside_code_is_part_of_the_code() -> None:
    protected = protect("Type `/start K7M2QX` now", EN, PT, NONE)
    assert protected.replacements == ("`/start K7M2QX`",)


# --- the glossary -------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "target"), list(permutations([EN, PT, ES, FR], 2)))
def test_a_glossary_term_becomes_the_readers_term_in_every_direction(
        source: Language, target: Language) -> None:
    term = TERMS["participatory_budgeting"]
    text = f"We discussed {term[source]} today"
    protected = protect(text, source, target, GLOSSARY)
    assert protected.replacements == (term[target],)
    assert restore(protected.text, protected) == f"We discussed {term[target]} today"


@pytest.mark.parametrize(("written", "expected"), [
    ("Orçamento participativo", "Presupuesto participativo"),
    ("orçamento participativo", "presupuesto participativo"),
    ("ORÇAMENTO PARTICIPATIVO", "PRESUPUESTO PARTICIPATIVO"),
    ("orçamento\nparticipativo", "presupuesto participativo"),
    ("Orçamento", "Presupuesto"),
])
def test_the_readers_term_takes_the_capitalisation_of_the_writers(
        written: str, expected: str) -> None:
    protected = protect(f"{written} é importante.", PT, ES, GLOSSARY)
    assert restore(protected.text, protected) == f"{expected} é importante."


def test_the_longest_term_wins_and_terms_match_whole_words_only() -> None:
    text = ("The participatory budgeting budget, a budgetary budgets note, "
            "participatory budgeting.")
    protected = protect(text, EN, PT, GLOSSARY)
    assert restore(protected.text, protected) == (
        "The orçamento participativo orçamento, a budgetary budgets note, "
        "orçamento participativo.")


def test_accents_matter_and_plurals_are_not_terms() -> None:
    protected = protect("Orcamento participativo e orçamentos", PT, EN, GLOSSARY)
    assert protected.replacements == ()


def test_a_term_without_the_target_language_is_left_to_the_translator() -> None:
    assert protect("the terms of reference", EN, ES, GLOSSARY).replacements == ()
    assert protect("the terms of reference", EN, PT, GLOSSARY).replacements == (
        "termos de referência",)


def test_a_term_inside_a_protected_span_stays_in_the_span() -> None:
    protected = protect("See https://x.org/budget and `budget` and budget", EN, PT, GLOSSARY)
    assert protected.replacements == ("https://x.org/budget", "`budget`", "orçamento")


def test_no_glossary_within_one_language() -> None:
    assert protect("the budget", EN, EN, GLOSSARY).replacements == ()


def test_an_empty_glossary_changes_nothing() -> None:
    assert Glossary({}).matches("participatory budgeting", EN, PT) == []


# --- restore ------------------------------------------------------------------------------

def _eleven() -> Protected:
    text = " ".join(f"D{n}" for n in range(11))
    protected = protect(text, EN, PT, NONE)
    assert len(protected.replacements) == 11
    return protected


def test_restore_tells_token_one_from_token_ten() -> None:
    protected = _eleven()
    assert restore(fake_mt(protected.text), protected) == " ".join(
        f"D{n}" for n in reversed(range(11)))


@pytest.mark.parametrize("mangle", [
    lambda t: t.replace("⟦1⟧", ""),  # lost
    lambda t: t.replace("⟦1⟧", "⟦1⟧ ⟦1⟧"),  # duplicated
    lambda t: t + " ⟦11⟧",  # unknown
    lambda t: t.replace("⟦1⟧", "⟦01⟧"),  # not the token sent
    lambda t: t.replace("⟦1⟧", "⟦ 1⟧"),  # broken by a space
    lambda t: t.replace("⟦1⟧", "[1]"),  # other brackets
    lambda t: t.replace("⟦1⟧", "⟦1"),  # half a token
    lambda t: t + "⟧",  # a stray bracket
], ids=["lost", "duplicated", "unknown", "leading zero", "space", "brackets", "half", "stray"])
def test_a_translation_that_mangles_tokens_is_refused(mangle: Callable[[str], str]) -> None:
    protected = _eleven()
    with pytest.raises(SpansLost):
        restore(mangle(protected.text), protected)


# --- segments -----------------------------------------------------------------------------

def test_segments_separate_text_to_translate_from_fixed_pieces() -> None:
    protected = protect("  Hi @ana, see D7 v3.\nThe budget is €300!  ", EN, PT, GLOSSARY)
    assert segments(protected) == [
        Segment("  ", False), Segment("Hi", True), Segment(" ", False), Segment("@ana", False),
        Segment(", see", True), Segment(" ", False), Segment("D7 v3", False),
        Segment(".\nThe", True), Segment(" ", False), Segment("orçamento", False),
        Segment(" ", False), Segment("is", True), Segment(" ", False), Segment("€300", False),
        Segment("!", False), Segment("  ", False)]


def test_joining_segments_gives_the_restored_text() -> None:
    for text in ["", "   ", "D7", "plain words", *(f"a {s}, b {s}. c" for s in SPANS.values())]:
        protected = protect(text, EN, FR, GLOSSARY)
        joined = "".join(s.text for s in segments(protected))
        assert joined == restore(protected.text, protected)


def test_translating_only_text_segments_keeps_every_span() -> None:
    text = "Budget for D7 v3 is R$ 1.000,00 — see https://x.org/a. Thanks @maria!"
    protected = protect(text, EN, PT, GLOSSARY)
    result = "".join(s.text.upper() if s.translate else s.text for s in segments(protected))
    assert result == "Orçamento FOR D7 v3 IS R$ 1.000,00 — SEE https://x.org/a. THANKS @maria!"
    assert all(s.text == s.text.strip() for s in segments(protected) if s.translate)


# --- split_for_limit ----------------------------------------------------------------------

def _report() -> str:
    paragraphs = []
    for p in range(30):
        sentences = [f"Paragraph {p} sentence {s} talks about ⟦{p * 10 + s}⟧ and more words "
                     f"{'here ' * (s % 7)}to fill the line{'!' if s % 3 else '.'}"
                     for s in range(9)]
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


@pytest.mark.parametrize("limit", [500, 5000])
def test_a_long_text_is_cut_at_sentence_ends_within_the_limit(limit: int) -> None:
    text = _report()
    assert len(text) > 4 * limit or limit == 5000
    chunks = split_for_limit(text, limit)
    assert "".join(chunks) == text
    assert len(chunks) > 1
    assert all(len(chunk) <= limit for chunk in chunks)
    for chunk in chunks[:-1]:
        assert re.search(r"[.!?]\s*$", chunk), chunk[-40:]
    for chunk in chunks:
        assert TOKEN.sub("", chunk).count("⟦") == 0


def test_the_latest_boundary_that_fits_is_used() -> None:
    text = "One. Two two. Three three three. Four."
    assert split_for_limit(text, 20) == ["One. Two two. ", "Three three three. ", "Four."]
    assert split_for_limit("First line\nsecond line", 15) == ["First line\n", "second line"]


def test_a_short_text_is_one_chunk_and_an_empty_one_none() -> None:
    assert split_for_limit("Short.", 500) == ["Short."]
    assert split_for_limit("", 500) == []
    with pytest.raises(ValueError):
        split_for_limit("text", 0)


def test_a_long_sentence_is_cut_at_whitespace_and_a_long_word_anywhere() -> None:
    assert split_for_limit("aaa bbb ccc ddd", 9) == ["aaa bbb ", "ccc ddd"]
    assert split_for_limit("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_a_token_is_never_cut() -> None:
    text = "x" * 8 + "⟦12⟧" + "y" * 8
    chunks = split_for_limit(text, 10)
    assert "".join(chunks) == text
    assert any("⟦12⟧" in chunk for chunk in chunks)
    assert all(len(chunk) <= 10 for chunk in chunks)
    assert split_for_limit("⟦12⟧⟦34⟧", 6) == ["⟦12⟧", "⟦34⟧"]


def test_an_accent_stays_with_its_letter() -> None:
    text = "e\u0301" * 10
    chunks = split_for_limit(text, 5)
    assert "".join(chunks) == text
    assert not any(chunk.startswith("\u0301") for chunk in chunks)


# --- properties ---------------------------------------------------------------------------

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzçãéêíóúàñ", min_size=1, max_size=10)
SEPARATORS = st.sampled_from([" ", "  ", "\n", ", ", ". ", "! ", "\n\n", " - "])
PIECES = st.one_of(WORDS.map(lambda w: (w, False)),
                   st.sampled_from(sorted(SPANS.values())).map(lambda s: (s, True)))


# Between two spans, punctuation: in "300 € 300" the sign could belong to either number.
BETWEEN_SPANS = st.sampled_from([", ", ". ", "! ", " - ", "; ", "\n- "])


@st.composite
def texts_with_spans(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A text of words and spans, and the spans it holds."""
    pieces = draw(st.lists(PIECES, min_size=1, max_size=25))
    parts = [pieces[0][0]]
    for (_before, after_span), (piece, is_span) in pairwise(pieces):
        parts += [draw(BETWEEN_SPANS if after_span and is_span else SEPARATORS), piece]
    return "".join(parts), [piece for piece, is_span in pieces if is_span]


def test_a_currency_sign_between_two_numbers_is_protected_either_way() -> None:
    for text in ("$300 € 300", "300 € 03/11/2026", "300 EUR 5"):
        protected = protect(text, EN, PT, NONE)
        assert TOKEN.sub("", protected.text).strip() == ""
        assert restore(protected.text, protected) == text


@settings(max_examples=300)
@given(texts_with_spans())
def test_property_protect_then_restore_gives_the_text_back(sample: tuple[str, list[str]]) -> None:
    text, spans = sample
    protected = protect(text, EN, PT, NONE)
    assert restore(protected.text, protected) == text
    for span in spans:
        assert any(span in replacement for replacement in protected.replacements), span
    translated = restore(fake_mt(protected.text), protected)
    for span in spans:
        assert span in translated
    assert "".join(s.text for s in segments(protected)) == text


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(exclude_characters="⟦⟧")), st.integers(1, 200))
def test_property_chunks_fit_and_join_back(text: str, limit: int) -> None:
    chunks = split_for_limit(text, limit)
    assert "".join(chunks) == text
    assert all(0 < len(chunk) <= limit for chunk in chunks)


TOKENISH = st.one_of(st.integers(0, 999).map(lambda n: f"⟦{n}⟧"),
                     st.sampled_from([" ", "\n", ". ", "x", "palavra", "e\u0301", "…", "!\n"]))


@settings(max_examples=300)
@given(st.lists(TOKENISH, max_size=80).map("".join), st.integers(5, 60))
def test_property_tokens_are_never_split(text: str, limit: int) -> None:
    chunks = split_for_limit(text, limit)
    assert "".join(chunks) == text
    assert all(len(chunk) <= limit for chunk in chunks)
    assert [m.group() for c in chunks for m in TOKEN.finditer(c)] == TOKEN.findall(text)
