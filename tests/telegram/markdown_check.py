"""Telegram's check of ``parse_mode="MarkdownV2"`` texts, for the mistakes adapters make.

In MarkdownV2 the characters ``_*[]()~`>#+-=|{}.!`` must be escaped with ``\\`` wherever they
are not markup, so unescaped user text ("v1.2 - done!") is refused with
``400 Bad Request: can't parse entities``. This check refuses unescaped characters that are
never markup (``#+-={}.!``, and ``>`` except at a line start, where it opens a quote), and markup
left open (``*``, ``_``, ``__``, ``~``, ``||``, `````, ``[``). Code spans are checked only for
being closed. It is deliberately simpler than Telegram's parser: links are taken as
``[text](url)`` without checking the URL.
"""

from __future__ import annotations

from tests.telegram.errors import ApiError

NEVER_MARKUP = frozenset("#+-={}.!")
PAIRED = ("||", "__", "*", "_", "~")


def check_markdown_v2(text: str) -> None:
    """Raise the Bot API's 400 error if ``text`` is not valid MarkdownV2 (see module doc)."""
    problem = _problem(text)
    if problem is not None:
        raise ApiError(400, f"Bad Request: can't parse entities: {problem}")


def _problem(text: str) -> str | None:
    open_marks: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "`":
            fence = "```" if text.startswith("```", index) else "`"
            end = text.find(fence, index + len(fence))
            if end < 0:
                return f"Can't find end of Code entity at byte offset {index}"
            index = end + len(fence)
            continue
        if char == ">" and (index == 0 or text[index - 1] == "\n"):
            index += 1
            continue
        if char in NEVER_MARKUP or char == ">":
            return f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        mark = next((m for m in PAIRED if text.startswith(m, index)), None)
        if mark is not None:
            if open_marks and open_marks[-1] == mark:
                open_marks.pop()
            else:
                open_marks.append(mark)
            index += len(mark)
            continue
        if char == "[":
            open_marks.append("[")
        elif char == "]":
            if not open_marks or open_marks[-1] != "[":
                return "Character ']' is reserved and must be escaped with the preceding '\\'"
            open_marks.pop()
            if text.startswith("(", index + 1):
                end = text.find(")", index + 2)
                if end < 0:
                    return "Can't find end of a URL"
                index = end
        elif char in "()":
            return f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        index += 1
    if open_marks:
        return f"Can't find end of the entity starting with '{open_marks[-1]}'"
    return None
