"""The translation stage: between the outbox and the dispatcher, each quoted text is translated.

Messages that quote what someone wrote wait in the outbox (status ``translating``). The stage
takes them in batches, detects each quoted text's language, asks the translator once per
distinct text and language, and hands every message to the dispatcher — translated with a tag
and an "Original" button, or, when no translator could help, in the original with a note.
Those are tried again later, and a translation that comes through is sent as a follow-up.
Nothing is lost on a crash: a message stays ``translating`` until its text is written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from handlers.catalogue import Catalogue
from handlers.domain import Language
from handlers.messages import Phrase
from handlers.ports import Clock
from handlers.translation import (
    ORIGINAL,
    LanguageDetector,
    Piece,
    Translation,
    TranslationUnavailable,
    Translator,
    finish_message,
)
from storage.database import Database
from storage.translating import AwaitingTranslation, Finish, TranslationQueue

log = logging.getLogger(__name__)

Buttons = list[list[tuple[str, str]]]
# Texts translated at once: more would only queue inside the providers, where the wait would
# count against each call's deadline.
CONCURRENT_TEXTS = 8


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Whether and how often to try again when every translator failed."""

    enabled: bool = True
    first: timedelta = timedelta(minutes=2)
    longest: timedelta = timedelta(hours=1)
    attempts: int = 10

    def after(self, retries: int) -> timedelta:
        """How long to wait after this many failed retries (doubling, up to ``longest``)."""
        return min(self.first * (1 << min(retries, 20)), self.longest)


class TranslationStage:
    """Translates the messages waiting in the outbox and retries the ones that failed."""

    def __init__(self, database: Database, queue: TranslationQueue, translator: Translator,
                 detector: LanguageDetector | None, catalogue: Catalogue, clock: Clock,
                 retry: RetryPolicy = RetryPolicy(), batch: int = 1000) -> None:
        self.database = database
        self.queue = queue
        self.translator = translator
        self.detector = detector
        self.catalogue = catalogue
        self.clock = clock
        self.retry = retry
        self.batch = batch

    async def run_once(self) -> int:
        """Translate every message waiting now; returns how many were handed on."""
        handled = 0
        while True:
            waiting = await self.database.run(partial(self.queue.waiting, self.clock.now(),
                                                              self.batch))
            if not waiting:
                return handled
            results = await self._translate_all([m.pieces for m in waiting])
            now = self.clock.now()
            done: list[Finish] = []
            for message, found in zip(waiting, results, strict=True):
                try:
                    finished = finish_message(self.catalogue, message.language,
                                              message.template, message.pieces, found,
                                              will_retry=self.retry.enabled)
                except Exception:  # never leave a message (and its reader's queue) stuck
                    log.exception("outbox %s: could not finish its translation", message.id)
                    done.append(Finish(message.id, message.text, message.buttons, None))
                    continue
                retry_at = now + self.retry.first if finished.failed and self.retry.enabled \
                    else None
                buttons = self._with_original(message, finished.translated)
                done.append(Finish(message.id, finished.text, buttons, retry_at))
            await self.database.run(partial(self.queue.finish, done))
            handled += len(done)
            if len(waiting) < self.batch:
                return handled

    async def retry_once(self) -> int:
        """Try again the translations that failed and are due; returns how many came through."""
        if not self.retry.enabled:
            return 0
        now = self.clock.now()
        due = await self.database.run(partial(self.queue.due_retries, now))
        if not due:
            return 0
        results = await self._translate_all([m.pieces for m in due])
        sent = 0
        for message, found in zip(due, results, strict=True):
            try:
                sent += await self._follow_up(message, found, now)
            except Exception:
                log.exception("outbox %s: the translation retry failed", message.id)
                await self.database.run(partial(self.queue.retry_later, message.id, None))
        return sent

    async def _follow_up(self, message: AwaitingTranslation, found: list[Translation | None],
                         now: datetime) -> int:
        """Send a late translation as a follow-up (1), or plan the next try (0)."""
        if any(result is None for result in found):
            attempts = message.retries + 1
            later = now + self.retry.after(attempts) if attempts < self.retry.attempts else None
            await self.database.run(partial(self.queue.retry_later, message.id, later))
            return 0
        finished = finish_message(self.catalogue, message.language, message.template,
                                  message.pieces, found, will_retry=False)
        header = self.catalogue.render(Phrase("translation.follow_up",
                                              {"number": message.id}), message.language)
        buttons = [[(self._original_label(message.language), f"{ORIGINAL}:{message.id}")]]
        text = f"{header}\n{finished.text}"
        await self.database.run(partial(self.queue.follow_up, message, text, buttons, now))
        return 1

    async def _translate_all(
            self, messages: Sequence[Sequence[Piece]]) -> list[list[Translation | None]]:
        """Each piece of each message translated; each distinct text and direction once."""
        distinct = {p for pieces in messages for p in pieces if p.wanted}
        sources = await asyncio.to_thread(self._sources, distinct)
        keys = list({(p.text, sources[p], p.target) for p in distinct})
        slots = asyncio.Semaphore(CONCURRENT_TEXTS)

        async def one(text: str, source: Language, target: Language) -> Translation | None:
            async with slots:
                return await self._one(text, source, target)

        outcomes = await asyncio.gather(*(one(*key) for key in keys))
        found = dict(zip(keys, outcomes, strict=True))
        return [[found[(p.text, sources[p], p.target)] if p.wanted
                 else Translation(p.text, p.source, p.source) for p in pieces]
                for pieces in messages]

    def _sources(self, distinct: set[Piece]) -> dict[Piece, Language]:
        """The language each text is really in (the writer's, unless clearly another)."""
        return {piece: self._source(piece) for piece in distinct}

    def _source(self, piece: Piece) -> Language:
        if not piece.detect or self.detector is None:
            return piece.source
        try:
            return self.detector.detect(piece.text, piece.source, eager=piece.eager)
        except Exception:  # a detector that fails leaves the writer's language
            log.exception("language detection failed")
            return piece.source

    async def _one(self, text: str, source: Language, target: Language) -> Translation | None:
        try:
            return await self.translator.translate(text, source, target)
        except TranslationUnavailable as exc:
            log.warning("no translation %s→%s: %s", source.value, target.value, exc)
            return None
        except Exception:
            log.exception("translation %s→%s failed", source.value, target.value)
            return None

    def _original_label(self, language: Language) -> str:
        return self.catalogue.render(Phrase("button.original"), language)

    def _with_original(self, message: AwaitingTranslation, translated: bool) -> Buttons:
        """The message's buttons, plus "Original" when the reader got a translation."""
        if not translated:
            return message.buttons
        return [*message.buttons,
                [(self._original_label(message.language), f"{ORIGINAL}:{message.id}")]]
