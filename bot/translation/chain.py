"""Builds the translator chain the settings ask for (part of the composition root)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.translation.apertium import apertium_provider
from bot.translation.online import BlockingRunner, online_provider
from bot.translation.protect import Glossary
from bot.translation.provider import Provider
from bot.translation.service import TranslationCache, TranslationService
from bot.translation.settings import TranslationSettings


def build_providers(settings: TranslationSettings, runner: BlockingRunner) -> list[Provider]:
    """One provider per name in the configured chain, in order."""
    providers: list[Provider] = []
    for name in settings.providers:
        if name == "apertium":
            providers.append(apertium_provider(settings.apertium_apy_url or None,
                                               settings.apertium_command))
        else:
            providers.append(online_provider(name, runner,
                                             libretranslate_url=settings.libretranslate_url,
                                             keys=settings.secrets))
    return providers


def build_translator(settings: TranslationSettings, cache: TranslationCache,
                     providers: Sequence[Provider] | None = None) -> TranslationService:
    """The chain with its cache, glossary, deadline and rest period."""
    closers: list[Callable[[], Awaitable[None]]] = []
    if providers is None:
        runner = BlockingRunner(settings.max_concurrent,
                                request_timeout=settings.deadline_seconds)
        providers = build_providers(settings, runner)
        closers.append(runner.aclose)
    return TranslationService(providers=list(providers), cache=cache,
                              glossary=Glossary(settings.glossary),
                              deadline=settings.deadline_seconds,
                              cooldown=settings.cooldown_seconds, closers=closers)
