"""Long texts in pieces Telegram accepts: at most 4,096 characters a message (1,024 a
caption), counted as Telegram counts them, in UTF-16 code units.

Pieces break at a blank line when one is near the limit, else at a line end, else after a
sentence or a space, and only as a last resort inside a word; nothing is lost or reordered.
"""

from __future__ import annotations

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
# Break where the text allows only if that keeps the piece at least this full.
_AT_LEAST = 0.5


def telegram_length(text: str) -> int:
    """A text's length as Telegram measures it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The text in pieces of at most ``limit`` units each (one piece when it fits)."""
    pieces: list[str] = []
    rest = text
    while telegram_length(rest) > limit:
        room = _fitting(rest, limit)
        window = rest[:room]
        cut = 0
        for mark in ("\n\n", "\n", ". ", " "):
            found = window.rfind(mark)
            if found >= room * _AT_LEAST:
                cut = found + len(mark)
                break
        if cut == 0:
            cut = room
        piece = rest[:cut].rstrip()
        if piece:
            pieces.append(piece)
        rest = rest[cut:].lstrip("\n")
    if rest.strip() or not pieces:
        pieces.append(rest)
    return pieces
