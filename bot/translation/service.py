"""The translator chain: cache first, then each provider in turn, never waiting past a deadline.

A text is translated at most once per pair of languages (the cache, and one shared call for
concurrent requests of the same text). Spans that must not change are protected before a call
and restored after; the glossary's terms become the reader's terms. A provider without the pair
goes through its pivot language (Apertium: Spanish), each leg cached like any translation, so a
Portuguese text read in English, Spanish and French costs three Apertium calls. A provider that
fails, times out or answers garbage is skipped for the next; one failing repeatedly rests for a
while (``cooldown``) so the others answer without waiting for it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.translation.protect import Glossary, SpansLost, protect, restore, segments, split_for_limit
from bot.translation.provider import Provider, ProviderError
from handlers.domain import Language
from handlers.translation import Translation, TranslationUnavailable
from storage.translations import CachedTranslation, CacheKey

log = logging.getLogger(__name__)


class TranslationCache(Protocol):
    """Where translations are kept between calls (the database, through its worker thread)."""

    async def get(self, key: CacheKey) -> CachedTranslation | None:
        """A kept translation, if any."""
        ...

    async def put(self, entry: CachedTranslation) -> None:
        """Keep a translation."""
        ...


def cache_key(text: str, source: Language, target: Language, glossary: str = "") -> CacheKey:
    """The cache key of a text in one direction (under a glossary, by its fingerprint)."""
    hashed = text if not glossary else f"{glossary}\x00{text}"
    return CacheKey(hashlib.sha256(hashed.encode("utf-8")).hexdigest(), source, target)


@dataclass
class _Health:
    """Consecutive failures of one provider and until when it rests."""

    failures: int = 0
    resting_until: float = 0.0


@dataclass
class TranslationService:
    """Implements the help desk's ``Translator`` port over a chain of providers."""

    providers: Sequence[Provider]
    cache: TranslationCache
    glossary: Glossary
    deadline: float = 8.0
    cooldown: float = 60.0
    failures_before_rest: int = 3
    monotonic: Callable[[], float] = time.monotonic
    #: How many calls each provider was asked to make (for the benchmark and the tests).
    calls: Counter[str] = field(default_factory=Counter)
    #: Translations asked for and how many the cache (or a call already running) answered.
    lookups: int = 0
    hits: int = 0
    #: Translations each provider failed to make, and those the cache answered, by the provider
    #: that made them (read by the metrics).
    failures: Counter[str] = field(default_factory=Counter)
    cache_hits: Counter[str] = field(default_factory=Counter)
    #: Shared things to release after the providers (the online providers' threads).
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    _health: dict[str, _Health] = field(default_factory=dict)
    _running: dict[CacheKey, asyncio.Future[CachedTranslation]] = field(default_factory=dict)

    async def translate(self, text: str, source: Language, target: Language) -> Translation:
        """The text in the target language; :class:`TranslationUnavailable` when no provider
        could translate it."""
        if source == target or not text.strip():
            return Translation(text, source, target, None)
        try:
            found = await self._once(self._key(text, source, target),
                                     lambda: self._through_chain(text, source, target))
        except ProviderError as exc:
            raise TranslationUnavailable(str(exc)) from exc
        return Translation(found.text, source, target, found.provider)

    def _key(self, text: str, source: Language, target: Language) -> CacheKey:
        return cache_key(text, source, target, self.glossary.fingerprint)

    async def aclose(self) -> None:
        """Release every provider, then what they shared."""
        for provider in self.providers:
            await provider.aclose()
        for close in self.closers:
            await close()

    async def _once(self, key: CacheKey,
                    make: Callable[[], Awaitable[CachedTranslation]]) -> CachedTranslation:
        """A kept translation, else one made now — shared with anyone asking meanwhile."""
        self.lookups += 1
        running = self._running.get(key)
        if running is not None:
            self.hits += 1
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if running.cancelled() and (task is None or not task.cancelling()):
                    # whoever made the call gave up on it (its deadline), not this caller
                    raise ProviderError("a shared call was abandoned") from None
                raise
        future: asyncio.Future[CachedTranslation] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            found = await self.cache.get(key)
            if found is not None:
                self.hits += 1
                self.cache_hits[found.provider] += 1
            else:
                found = await make()
                try:
                    await self.cache.put(found)
                except Exception:  # a cache that can't be written costs a call later, no more
                    log.exception("could not keep a translation")
            future.set_result(found)
            return found
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here, so a future nobody shares logs nothing
            raise
        finally:
            del self._running[key]

    async def _through_chain(self, text: str, source: Language,
                             target: Language) -> CachedTranslation:
        reasons: list[str] = []
        now = self.monotonic()
        awake = [p for p in self.providers
                 if self._health.setdefault(p.name, _Health()).resting_until <= now]
        # When every provider rests, they are all tried anyway: resting is for not waiting on
        # one when another can answer, not for giving up.
        for provider in awake or self.providers:
            health = self._health[provider.name]
            try:
                translated = await self._with(provider, text, source, target)
            except ProviderError as exc:
                self.failures[provider.name] += 1
                self._failed(provider.name, health)
                reasons.append(f"{provider.name}: {exc}")
                continue
            health.failures = 0
            return CachedTranslation(self._key(text, source, target), translated, provider.name)
        raise ProviderError("; ".join(reasons) or "no provider configured")

    def resting(self, name: str) -> bool:
        """Whether a provider failed repeatedly and is skipped for a while."""
        health = self._health.get(name)
        return health is not None and health.resting_until > self.monotonic()

    def _failed(self, name: str, health: _Health) -> None:
        health.failures += 1
        if self.cooldown > 0 and health.failures >= self.failures_before_rest:
            health.resting_until = self.monotonic() + self.cooldown
            health.failures = 0
            log.warning("translation provider %s failed repeatedly; resting %.0f s", name,
                        self.cooldown)

    async def _with(self, provider: Provider, text: str, source: Language,
                    target: Language) -> str:
        """One provider's translation, directly or through its pivot language."""
        if provider.supports(source, target):
            return await self._direct(provider, text, source, target)
        pivot = provider.pivot
        if pivot is None or pivot in (source, target) or not provider.supports(source, pivot) \
                or not provider.supports(pivot, target):
            raise ProviderError(f"no {source.value}→{target.value}")
        middle = await self._leg(provider, text, source, pivot)
        return await self._direct(provider, middle, pivot, target)

    async def _leg(self, provider: Provider, text: str, source: Language,
                   target: Language) -> str:
        """A pivot leg, kept like any translation (the Spanish of a Portuguese text serves its
        Spanish readers and the way to English and French)."""

        async def make() -> CachedTranslation:
            translated = await self._direct(provider, text, source, target)
            return CachedTranslation(self._key(text, source, target), translated, provider.name)

        return (await self._once(self._key(text, source, target), make)).text

    async def _direct(self, provider: Provider, text: str, source: Language,
                      target: Language) -> str:
        """Protect, translate (in pieces within the provider's limit), restore."""
        protected = protect(text, source, target, self.glossary)
        try:
            return restore(await self._call(provider, protected.text, source, target),
                           protected)
        except SpansLost:
            log.info("%s moved protected spans; translating around them", provider.name)
        parts: list[str] = []
        for segment in segments(protected):
            if segment.translate:
                parts.append(await self._call(provider, segment.text, source, target))
            else:
                parts.append(segment.text)
        return "".join(parts)

    async def _call(self, provider: Provider, text: str, source: Language,
                    target: Language) -> str:
        """The provider's translation of a text, chunk by chunk, each call within the deadline.

        Whitespace around a chunk is kept as written (providers trim it).
        """
        out: list[str] = []
        for chunk in split_for_limit(text, provider.max_chars):
            core = chunk.strip()
            if not core:
                out.append(chunk)
                continue
            lead = chunk[:len(chunk) - len(chunk.lstrip())]
            trail = chunk[len(chunk.rstrip()):]
            self.calls[provider.name] += 1
            try:
                translated = await asyncio.wait_for(provider.translate(core, source, target),
                                                    self.deadline)
            except TimeoutError:
                raise ProviderError(f"no answer within {self.deadline:g} s") from None
            if not isinstance(translated, str) or not translated.strip():
                raise ProviderError("an empty answer")
            out.append(lead + _same_first_case(core, translated.strip()) + trail)
        return "".join(out)


def _same_first_case(source: str, translated: str) -> str:
    """A translation whose first letter has the case of the source's (Apertium lowercases a
    greeting it knows as a phrase, and capitalises a piece of a sentence it translates alone)."""
    first, rest = translated[:1], translated[1:]
    if source[:1].isupper() and first.islower():
        return first.upper() + rest
    word = translated.split(maxsplit=1)[0] if translated.strip() else ""
    if source[:1].islower() and first.isupper() and len(word) > 1 and not word.isupper():
        return first.lower() + rest  # not "I", not an acronym
    return translated
