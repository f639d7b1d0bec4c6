"""What every translation provider offers the chain: a name, the pairs it serves, one call."""

from __future__ import annotations

from typing import Protocol

from handlers.domain import Language


class ProviderError(Exception):
    """A provider could not translate this text now (down, refused, timed out, gave garbage).

    The chain moves on to the next provider; nothing else should escape a provider.
    """


class Provider(Protocol):
    """One way of translating text: an online service or the offline Apertium.

    ``translate`` receives text that is already protected (spans that must not change replaced
    by ``⟦n⟧`` tokens) and never longer than ``max_chars``; it returns the translation or
    raises :class:`ProviderError`. It must not block the event loop.
    """

    name: str
    max_chars: int
    #: A language the provider can go through when it lacks a direct pair (Apertium: Spanish).
    pivot: Language | None

    def supports(self, source: Language, target: Language) -> bool:
        """Whether the provider translates this pair directly."""
        ...

    async def translate(self, text: str, source: Language, target: Language) -> str:
        """The text in the target language, or :class:`ProviderError`."""
        ...

    async def aclose(self) -> None:
        """Release connections, processes and threads."""
        ...


def outer_whitespace(text: str) -> tuple[str, str, str]:
    """(leading whitespace, the rest, trailing whitespace): providers that trim what they
    translate get only the rest, and the whitespace is put back as it was."""
    core = text.strip()
    if not core:
        return text, "", ""
    start = len(text) - len(text.lstrip())
    return text[:start], core, text[start + len(core):]
