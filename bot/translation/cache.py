"""The translation cache in the database, reached through the database worker thread."""

from __future__ import annotations

from bot.clock import SystemClock
from handlers.ports import Clock
from storage.database import Database
from storage.translations import CachedTranslation, CacheKey, SqlTranslationCache


class DatabaseCache:
    """Implements the chain's ``TranslationCache`` on the ``translations`` table."""

    def __init__(self, database: Database, clock: Clock | None = None) -> None:
        self.database = database
        self.table = SqlTranslationCache(database.engine)
        self.clock = clock or SystemClock()

    async def get(self, key: CacheKey) -> CachedTranslation | None:
        """A kept translation, if any."""
        found = await self.database.run(lambda: self.table.get_many([key]))
        return found.get(key)

    async def put(self, entry: CachedTranslation) -> None:
        """Keep a translation."""
        now = self.clock.now()
        await self.database.run(lambda: self.table.put_many([entry], now))
