"""The bot's own words in en, pt, es and fr, read from gettext ``.po`` catalogues.

Each entry's ``msgid`` is a stable key (``team.created``); its ``msgstr`` is the text in that
language, with ``{name}`` placeholders. The texts are written by hand, never machine-translated.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from babel.messages.pofile import read_po

from handlers.domain import Language
from handlers.messages import Phrase, UserText

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "peerdesk"
# Where a quoted text goes in a message waiting for translation: MARK_OPEN, its number,
# MARK_CLOSE (characters from Unicode's private use area, which nobody types).
MARK_OPEN = "\ue000"
MARK_CLOSE = "\ue001"


# A command as the catalogue writes it: "/tasks", not part of a word, a path or a link.
_COMMAND = re.compile(r"(?<![\w/<.:])/([a-z]+)\b")


class CatalogueError(Exception):
    """A catalogue file is missing, unreadable or incomplete."""


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders a text uses."""
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def read_language(language: Language, root: Path = LOCALES) -> dict[str, str]:
    """Every translated, non-fuzzy entry of one language's catalogue files.

    ``peerdesk.po`` holds the help desk's words; further ``.po`` files beside it (one per
    capability, e.g. ``translation.po``) are read too, in name order.
    """
    folder = root / language.value / "LC_MESSAGES"
    paths = sorted(folder.glob("*.po"))
    if not paths:
        raise CatalogueError(f"cannot read {folder / (DOMAIN + '.po')}: no catalogue files")
    entries: dict[str, str] = {}
    for path in paths:
        try:
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=language.value)
        except (OSError, ValueError) as exc:
            raise CatalogueError(f"cannot read {path}: {exc}") from exc
        for message in catalog:
            if not message.id or message.fuzzy or not isinstance(message.id, str):
                continue
            if isinstance(message.string, str) and message.string:
                if message.id in entries:
                    raise CatalogueError(f"{path}: {message.id} is also in another file")
                entries[message.id] = message.string
    return entries


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Renders catalogue phrases in a language."""

    texts: Mapping[Language, Mapping[str, str]]
    # The same texts for the readers of a platform where commands are typed otherwise (Slack:
    # "/peerdesk tasks", since Slack itself takes every message that starts with "/").
    variants: Mapping[str, Catalogue] = field(default_factory=dict)

    def with_command_prefix(self, platform: str, prefix: str) -> Catalogue:
        """This catalogue, with a variant for ``platform``'s readers in which each command
        the texts mention ("/tasks") is written ``prefix`` + its name ("/peerdesk tasks")."""
        if prefix == "/":
            return self

        def rewrite(text: str) -> str:
            return _COMMAND.sub(lambda match: prefix + match.group(1), text)

        variant = Catalogue({language: {key: rewrite(text) for key, text in entries.items()}
                             for language, entries in self.texts.items()})
        return replace(self, variants={**self.variants, platform: variant})

    def for_platform(self, platform: str) -> Catalogue:
        """The texts as a reader on ``platform`` should see them."""
        return self.variants.get(platform, self)

    @classmethod
    def load(cls, root: Path = LOCALES) -> Catalogue:
        """Read all four languages; fail loudly when any key is missing anywhere."""
        texts = {language: read_language(language, root) for language in Language}
        problems = check(texts)
        if problems:
            raise CatalogueError("; ".join(problems[:5]))
        return cls(texts)

    def text(self, key: str, language: Language) -> str:
        """The raw text of one key."""
        return self.texts[language][key]

    def render(self, item: Phrase, language: Language) -> str:
        """A phrase in one language, its placeholders filled."""
        return _fill(self.texts[language], item)

    def render_lines(self, lines: Iterable[Phrase], language: Language) -> str:
        """Several phrases in one language, one per line (one message's text)."""
        texts = self.texts[language]
        return "\n".join([_fill(texts, item) for item in lines])

    def render_marked(self, lines: Iterable[Phrase],
                      language: Language) -> tuple[str, list[UserText]]:
        """Several phrases in one language with a numbered marker in place of each quoted
        text (what people wrote), and the quoted texts in marker order."""
        texts = self.texts[language]
        quoted: list[UserText] = []
        return "\n".join([_fill(texts, item, quoted) for item in lines]), quoted

    def has(self, key: str) -> bool:
        """Whether the key exists (in English, and therefore everywhere)."""
        return key in self.texts[Language.EN]


def _fill(texts: Mapping[str, str], item: Phrase, quoted: list[UserText] | None = None) -> str:
    """One phrase's text with its placeholders filled (nested phrases in the same language).

    With ``quoted``, each quoted text becomes a numbered marker and is appended to it.
    """
    text = texts[item.key]
    if not item.params:
        return text
    values: dict[str, object] = {}
    for name, value in item.params.items():
        kind = type(value)
        if kind is str or kind is int:
            values[name] = value
        elif isinstance(value, Phrase):
            values[name] = _fill(texts, value, quoted) if value.params else texts[value.key]
        elif isinstance(value, UserText):
            if quoted is None:
                values[name] = value.text
            else:
                values[name] = f"{MARK_OPEN}{len(quoted)}{MARK_CLOSE}"
                quoted.append(value)
        else:
            values[name] = value
    return text.format_map(values)


_KEY = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


def check(texts: Mapping[Language, Mapping[str, str]]) -> list[str]:
    """Every problem in a set of catalogues: missing keys, extra keys, mismatched placeholders."""
    problems: list[str] = []
    english = texts.get(Language.EN, {})
    if not english:
        return ["the English catalogue is empty"]
    for key in english:
        if not _KEY.match(key):
            problems.append(f"en: badly formed key {key!r}")
    for language in Language:
        entries = texts.get(language, {})
        for key, text in english.items():
            if key not in entries:
                problems.append(f"{language.value}: missing {key}")
            elif placeholders(entries[key]) != placeholders(text):
                problems.append(
                    f"{language.value}: {key} has placeholders {sorted(placeholders(entries[key]))}"
                    f", English has {sorted(placeholders(text))}"
                )
        for key in entries:
            if key not in english:
                problems.append(f"{language.value}: {key} is not in English")
    return problems
