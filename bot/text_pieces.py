"""Long texts in pieces a platform accepts, shared by the Telegram and Slack channels.

Each platform counts a text its own way (Telegram in UTF-16 code units, Slack in escaped
characters), so the length is the sum of a per-character cost. Pieces break at a blank line when
one is near the limit, else at a line end, else after a sentence or a space, and only as a last
resort inside a word; nothing is lost or reordered but the blanks at the breaks.
"""

from __future__ import annotations

from collections.abc import Callable

# Where a text may break, best first.
BREAKS = ("\n\n", "\n", ". ", "! ", "? ", " ")
# Break where the text allows only if that keeps the piece at least this full.
AT_LEAST = 0.5


def measured(text: str, cost: Callable[[str], int]) -> int:
    """A text's length as the platform counts it."""
    return sum(cost(char) for char in text)


def _fitting(text: str, limit: int, cost: Callable[[str], int]) -> int:
    """How many characters of ``text`` fit in ``limit``."""
    used = 0
    for index, char in enumerate(text):
        used += cost(char)
        if used > limit:
            return index
    return len(text)


def split_pieces(text: str, limit: int, cost: Callable[[str], int],
                 length: Callable[[str], int] | None = None) -> list[str]:
    """The text in pieces of at most ``limit`` each (one piece when it fits). ``length``, when
    given, measures a whole text faster than adding up ``cost`` (most texts fit at once)."""
    size = length or (lambda part: measured(part, cost))
    pieces: list[str] = []
    rest = text
    while size(rest) > limit:
        room = max(_fitting(rest, limit, cost), 1)
        window = rest[:room]
        cut = 0
        for mark in BREAKS:
            found = window.rfind(mark)
            if found >= room * AT_LEAST:
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
