"""Outbox text as Slack shows it: escaped mrkdwn, in messages and section blocks of a readable
size.

Peerdesk's outbox text is plain text: the catalogue's sentences (no markup; Telegram sends
them without a parse mode) with what members typed quoted inside. Slack reads ``&``, ``<`` and
``>`` as control characters (``<!channel>``, ``<@U123>``, ``<https://x|a link>``), so they
become ``&amp;``, ``&lt;`` and ``&gt;``: nobody can ping a whole channel or disguise a link
through the bot. The mrkdwn emphasis marks (``*bold*``, ``_italic_``, ``~strike~``, code) are
left alone: Slack offers no way to escape them, and members on Slack type them meaning them.
Section texts are sent ``verbatim`` so Slack does not turn a typed ``@here`` into a mention.

Slack accepts 40,000 characters a message and 3,000 a section, but long messages are hard to
read and get truncated in notifications, so a long text goes as several messages of at most
:data:`MESSAGE_LIMIT` characters, each in sections of at most :data:`SECTION_LIMIT` (escaped
lengths). Pieces break at a blank line when one is near the limit, else at a line end, else
after a sentence or a space, and only as a last resort inside a word; never inside an escape.
"""

from __future__ import annotations

from dataclasses import dataclass

MESSAGE_LIMIT = 4_000
SECTION_LIMIT = 3_000
# Break where the text allows only if that keeps the piece at least this full.
_AT_LEAST = 0.5
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as Slack's entities (in that order: ``&`` first)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escaped_length(text: str) -> int:
    """How long ``text`` is once escaped."""
    return len(text) + sum(len(_ESCAPES[c]) - 1 for c in text if c in _ESCAPES)


def _fitting(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` characters once escaped."""
    used = 0
    for index, char in enumerate(text):
        used += len(_ESCAPES.get(char, char))
        if used > limit:
            return index
    return len(text)


def split_plain(text: str, limit: int) -> list[str]:
    """Plain ``text`` in pieces of at most ``limit`` characters each once escaped (one piece
    when it fits); nothing is lost or reordered but the blanks at the breaks."""
    pieces: list[str] = []
    rest = text
    while escaped_length(rest) > limit:
        room = max(_fitting(rest, limit), 1)
        window = rest[:room]
        cut = 0
        for mark in ("\n\n", "\n", ". ", "! ", "? ", " "):
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


@dataclass(frozen=True, slots=True)
class SlackText:
    """One Slack message's text: the escaped ``text`` (notifications, screen readers) and
    the same text as escaped section texts of at most :data:`SECTION_LIMIT` each."""

    text: str
    sections: tuple[str, ...]

    def blocks(self) -> list[dict[str, object]]:
        """The section blocks showing this text."""
        return [{"type": "section", "text": {"type": "mrkdwn", "text": section,
                                             "verbatim": True}}
                for section in self.sections if section.strip()]


def slack_messages(text: str, message_limit: int = MESSAGE_LIMIT,
                   section_limit: int = SECTION_LIMIT) -> list[SlackText]:
    """Plain outbox text as the Slack messages that show it, in order (at least one)."""
    return [SlackText(escape(piece), tuple(escape(part)
                                           for part in split_plain(piece, section_limit)))
            for piece in split_plain(text, message_limit)]


def button_label(label: str, limit: int = 75) -> str:
    """A button's label within Slack's 75 characters (plain text: nothing to escape)."""
    return label if len(label) <= limit else label[:limit - 1].rstrip() + "…"
