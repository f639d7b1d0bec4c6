"""The translator chain with scripted providers: cache, fallback, deadline, pivot, rest, limits."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from bot.translation.protect import Glossary
from bot.translation.provider import ProviderError
from bot.translation.service import TranslationService
from handlers.domain import Language
from handlers.translation import TranslationUnavailable
from storage.translations import CachedTranslation, CacheKey

EN, PT, ES, FR = Language.EN, Language.PT, Language.ES, Language.FR
ALL = {(a, b) for a in Language for b in Language if a != b}


@dataclass
class MemoryCache:
    """The chain's cache in a dict."""

    kept: dict[CacheKey, CachedTranslation] = field(default_factory=dict)

    async def get(self, key: CacheKey) -> CachedTranslation | None:
        return self.kept.get(key)

    async def put(self, entry: CachedTranslation) -> None:
        self.kept[entry.key] = entry


@dataclass
class Scripted:
    """A provider that tags what it translates, or misbehaves as told."""

    name: str
    pairs: set[tuple[Language, Language]] = field(default_factory=lambda: set(ALL))
    max_chars: int = 5000
    pivot: Language | None = None
    behave: Callable[[str], str] | None = None
    delay: float = 0.0
    seen: list[tuple[str, Language, Language]] = field(default_factory=list)

    def supports(self, source: Language, target: Language) -> bool:
        return (source, target) in self.pairs

    async def translate(self, text: str, source: Language, target: Language) -> str:
        self.seen.append((text, source, target))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.behave is not None:
            return self.behave(text)
        return f"[{target.value}] {text}"

    async def aclose(self) -> None:
        return None


def fails(text: str) -> str:
    raise ProviderError("down")


def chain(*providers: Scripted, deadline: float = 1.0, cooldown: float = 60.0,
          glossary: Glossary | None = None) -> TranslationService:
    return TranslationService(providers=list(providers), cache=MemoryCache(),
                              glossary=glossary or Glossary({}), deadline=deadline,
                              cooldown=cooldown)


async def test_same_language_needs_no_call() -> None:
    google = Scripted("google")
    result = await chain(google).translate("Olá", PT, PT)
    assert result.text == "Olá" and result.provider is None and google.seen == []


async def test_a_text_is_translated_once_per_direction() -> None:
    google = Scripted("google")
    service = chain(google)
    first = await service.translate("Bom dia a todos", PT, FR)
    again = await service.translate("Bom dia a todos", PT, FR)
    assert first == again and first.text == "[fr] Bom dia a todos" and first.provider == "google"
    assert len(google.seen) == 1


async def test_concurrent_requests_for_the_same_text_share_one_call() -> None:
    slow = Scripted("google", delay=0.05)
    service = chain(slow)
    results = await asyncio.gather(*(service.translate("Reunião amanhã", PT, EN)
                                     for _ in range(20)))
    assert {r.text for r in results} == {"[en] Reunião amanhã"} and len(slow.seen) == 1


async def test_a_failing_provider_falls_through_to_the_next() -> None:
    google, apertium = Scripted("google", behave=fails), Scripted("apertium")
    result = await chain(google, apertium).translate("Hola equipo", ES, EN)
    assert result.provider == "apertium" and result.text == "[en] Hola equipo"


async def test_a_provider_past_the_deadline_is_abandoned_for_the_next() -> None:
    hanging, offline = Scripted("google", delay=30), Scripted("apertium")
    started = asyncio.get_running_loop().time()
    result = await chain(hanging, offline, deadline=0.2).translate("Hello", EN, ES)
    assert result.provider == "apertium"
    assert asyncio.get_running_loop().time() - started < 2


@pytest.mark.parametrize("garbage", ["", "   "])
async def test_an_empty_answer_counts_as_a_failure(garbage: str) -> None:
    bad, good = Scripted("mymemory", behave=lambda _t: garbage), Scripted("apertium")
    assert (await chain(bad, good).translate("Hello", EN, FR)).provider == "apertium"


async def test_when_every_provider_fails_the_translation_is_unavailable() -> None:
    with pytest.raises(TranslationUnavailable, match="google: down; apertium: down"):
        await chain(Scripted("google", behave=fails),
                    Scripted("apertium", behave=fails)).translate("Hello", EN, FR)


async def test_a_provider_failing_repeatedly_rests() -> None:
    google, apertium = Scripted("google", behave=fails), Scripted("apertium")
    service = chain(google, apertium, cooldown=60)
    for number in range(5):
        await service.translate(f"Message {number} for the team", EN, PT)
    assert len(google.seen) == 3  # after three failures in a row it is not asked again
    assert len(apertium.seen) == 5


async def test_pivot_through_spanish_with_each_leg_kept() -> None:
    apertium = Scripted("apertium", pivot=ES,
                        pairs={(EN, ES), (ES, EN), (PT, ES), (ES, PT), (FR, ES), (ES, FR)})
    service = chain(apertium)
    readers = {lang: await service.translate("Bom dia equipe", PT, lang) for lang in (EN, ES, FR)}
    assert readers[ES].text == "[es] Bom dia equipe"
    assert readers[FR].text == "[fr] [es] Bom dia equipe"
    assert readers[EN].text == "[en] [es] Bom dia equipe"
    assert len(apertium.seen) == 3  # pt→es once, then es→fr and es→en


async def test_a_pair_nobody_serves_is_unavailable() -> None:
    apertium = Scripted("apertium", pairs={(EN, ES), (ES, EN)})
    with pytest.raises(TranslationUnavailable, match="no pt→fr"):
        await chain(apertium).translate("Bom dia", PT, FR)


async def test_long_texts_are_split_within_the_provider_limit_and_joined() -> None:
    mymemory = Scripted("mymemory", max_chars=500, behave=lambda t: t.upper())
    sentences = " ".join(f"Sentence number {n} of a long report about the budget." for n in
                         range(60))
    result = await chain(mymemory).translate(sentences, EN, ES)
    assert result.text == sentences.upper()
    assert len(mymemory.seen) > 1 and all(len(text) <= 500 for text, _s, _t in mymemory.seen)


async def test_protected_spans_survive_even_when_the_provider_moves_tokens() -> None:
    def scramble(text: str) -> str:  # drops every token: the chain must work around it
        return re.sub(r"⟦\d+⟧", "", text).upper()

    google = Scripted("google", behave=scramble)
    text = "See D7 v3 at https://example.org/a?b=1 before 2026-12-01, ping @maria."
    result = await chain(google).translate(text, EN, PT)
    for span in ("D7 v3", "https://example.org/a?b=1", "2026-12-01", "@maria"):
        assert span in result.text
    assert "SEE" in result.text


async def test_glossary_terms_reach_the_reader_in_their_form() -> None:
    glossary = Glossary({"pb": {EN: "participatory budgeting", PT: "orçamento participativo",
                                ES: "presupuesto participativo", FR: "budget participatif"}})
    google = Scripted("google", behave=lambda t: t)
    result = await chain(google, glossary=glossary).translate(
        "Our report on participatory budgeting is late.", EN, FR)
    assert "budget participatif" in result.text
    assert "participatory budgeting" not in result.text


async def test_when_every_provider_rests_they_are_tried_anyway() -> None:
    state = {"up": False}

    def flaky(text: str) -> str:
        if not state["up"]:
            raise ProviderError("down")
        return f"ok {text}"

    apertium = Scripted("apertium", behave=flaky)
    service = chain(apertium, cooldown=60)
    for number in range(3):
        with pytest.raises(TranslationUnavailable):
            await service.translate(f"text {number}", EN, ES)
    state["up"] = True  # back at once: no minute without translations for nothing
    assert (await service.translate("text 3", EN, ES)).text == "ok text 3"


async def test_a_changed_glossary_does_not_reuse_translations_kept_under_the_old_one() -> None:
    cache = MemoryCache()
    google = Scripted("google")
    old = Glossary({"pb": {EN: "participatory budgeting", ES: "presupuestos participativos"}})
    new = Glossary({"pb": {EN: "participatory budgeting", ES: "presupuesto participativo"}})
    text = "A note on participatory budgeting."
    for glossary in (old, new, new):
        service = TranslationService(providers=[google], cache=cache, glossary=glossary)
        result = await service.translate(text, EN, ES)
    assert "presupuesto participativo" in result.text and len(google.seen) == 2


@pytest.mark.parametrize(("source", "answer", "expected"), [
    ("eu acho que sim", "I think so", "I think so"),  # the English pronoun stays capital
    ("ok, o relatório", "OK, the report", "OK, the report"),  # so does an acronym
    ("e depois o resto", "And then the rest", "and then the rest"),  # a piece mid-sentence
    ("Bom dia equipe", "good morning team", "Good morning team"),
])
async def test_the_first_letter_follows_the_source(source: str, answer: str,
                                                   expected: str) -> None:
    provider = Scripted("apertium", behave=lambda _text: answer)
    assert (await chain(provider).translate(source, PT, EN)).text == expected
