"""Telegram's check of ``parse_mode="HTML"`` texts: unsupported or unbalanced tags are refused.

An adapter that forgets to escape user text (``a <b`` typed by a member) gets the same
``400 Bad Request: can't parse entities`` from this fake server as from Telegram.
"""

from __future__ import annotations

from html.parser import HTMLParser

from tests.telegram.errors import ApiError

# The tags the Bot API accepts in HTML parse mode.
SUPPORTED = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
                       "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"})


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SUPPORTED and self.problem is None:
            self.problem = f'Unsupported start tag "{tag}"'
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if (not self.open or self.open[-1] != tag) and self.problem is None:
            self.problem = f'Unmatched end tag "{tag}"'
        elif self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        # Python's parser lets a stray "<" through as text; Telegram requires "&lt;".
        if "<" in data and self.problem is None:
            self.problem = 'Unexpected "<" (must be escaped as "&lt;")'

    def handle_entityref(self, name: str) -> None:
        if name not in {"lt", "gt", "amp", "quot"} and self.problem is None:
            self.problem = f'Unsupported HTML entity "&{name};"'


def check_html(text: str) -> None:
    """Raise the Bot API's 400 error if ``text`` is not valid Telegram HTML."""
    checker = _Checker()
    checker.feed(text)
    checker.close()
    problem = checker.problem
    if problem is None and checker.open:
        problem = f'Can\'t find end tag corresponding to start tag "{checker.open[-1]}"'
    if problem is not None:
        raise ApiError(400, f"Bad Request: can't parse entities: {problem}")
