"""Long texts in pieces Telegram accepts: at most 4,096 characters a message (1,024 a
caption), counted as Telegram counts them, in UTF-16 code units.

Where pieces break: see :mod:`bot.text_pieces`.
"""

from __future__ import annotations

from bot.text_pieces import split_pieces

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024


def _units(char: str) -> int:
    """UTF-16 code units of one character."""
    return 2 if ord(char) > 0xFFFF else 1


def telegram_length(text: str) -> int:
    """A text's length as Telegram measures it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The text in pieces of at most ``limit`` units each (one piece when it fits)."""
    return split_pieces(text, limit, _units, telegram_length)
