"""The translation cache: each text translated once per pair of languages, kept in the database.

Keyed by the sha256 of the source text and the two languages, so a broadcast or a comment read
by many people in the same language costs one translation, and a text seen again (a repeated
broadcast, a quoted request) costs none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Engine, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from handlers.domain import Language
from storage.models import TranslationRow, table

translations = table(TranslationRow)


class CacheKey(NamedTuple):
    """One text in one direction: the sha256 of the text and the two languages."""

    text_hash: str
    source: Language
    target: Language


class CachedTranslation(NamedTuple):
    """A translation to keep: its key, the translated text and who made it."""

    key: CacheKey
    text: str
    provider: str


class SqlTranslationCache:
    """Reads and writes the ``translations`` table (blocking; run it in a database thread)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get_many(self, keys: Iterable[CacheKey]) -> dict[CacheKey, CachedTranslation]:
        """The cached translations among these keys."""
        wanted = list(dict.fromkeys(keys))
        found: dict[CacheKey, CachedTranslation] = {}
        if not wanted:
            return found
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 200):
                chunk = wanted[start:start + 200]
                condition = or_(*[and_(translations.c.text_hash == k.text_hash,
                                       translations.c.source == k.source.value,
                                       translations.c.target == k.target.value)
                                  for k in chunk])
                for row in conn.execute(select(translations.c.text_hash, translations.c.source,
                                               translations.c.target, translations.c.text,
                                               translations.c.provider).where(condition)):
                    key = CacheKey(row.text_hash, Language(row.source), Language(row.target))
                    found[key] = CachedTranslation(key, row.text, row.provider)
        return found

    def put_many(self, entries: Sequence[CachedTranslation], now: datetime) -> None:
        """Keep new translations; one already kept (by a concurrent process) is left as is."""
        if not entries:
            return
        existing = self.get_many(entry.key for entry in entries)
        fresh = {e.key: e for e in entries if e.key not in existing}
        if not fresh:
            return
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(translations).on_conflict_do_nothing()
        with self.engine.begin() as conn:
            conn.execute(statement, [
                {"text_hash": e.key.text_hash, "source": e.key.source.value,
                 "target": e.key.target.value, "text": e.text, "provider": e.provider,
                 "created_at": now} for e in fresh.values()])
