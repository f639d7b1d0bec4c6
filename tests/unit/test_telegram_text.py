"""Splitting long texts for Telegram: within the limit in UTF-16 units, at the best break,
nothing lost."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.telegram.text import split_text, telegram_length


def test_a_short_text_is_one_piece() -> None:
    assert split_text("Olá!") == ["Olá!"]
    assert split_text("") == [""]


def test_paragraphs_break_at_blank_lines() -> None:
    first, second = "a" * 3000, "b" * 3000
    assert split_text(f"{first}\n\n{second}") == [first, second]


def test_a_long_line_breaks_after_a_sentence_or_a_space() -> None:
    text = ("Frase curta. " * 400).strip()
    pieces = split_text(text, 100)
    assert all(telegram_length(p) <= 100 for p in pieces)
    assert all(p.endswith(".") for p in pieces[:-1])


def test_emoji_count_twice() -> None:
    text = "🙂" * 3000  # 6,000 UTF-16 units
    pieces = split_text(text)
    assert [telegram_length(p) for p in pieces] == [4096, 1904]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=600),
       st.integers(min_value=20, max_value=200))
def test_nothing_is_lost_and_every_piece_fits(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(telegram_length(p) <= limit for p in pieces)
    squeeze = "".join(text.split())
    assert "".join("".join(p.split()) for p in pieces) == squeeze
