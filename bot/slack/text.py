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

from bot.text_pieces import split_pieces

MESSAGE_LIMIT = 4_000
SECTION_LIMIT = 3_000
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` as Slack's entities (in that order: ``&`` first)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escaped_length(text: str) -> int:
    """How long ``text`` is once escaped."""
    return len(text) + sum(len(_ESCAPES[c]) - 1 for c in text if c in _ESCAPES)


def _escaped(char: str) -> int:
    """How long one character is once escaped."""
    return len(_ESCAPES.get(char, char))


def split_plain(text: str, limit: int) -> list[str]:
    """Plain ``text`` in pieces of at most ``limit`` characters each once escaped (one piece
    when it fits); nothing is lost or reordered but the blanks at the breaks."""
    return split_pieces(text, limit, _escaped, escaped_length)


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
