"""The example shop's container overrides (CONTAINER_OVERRIDES, as tests/overrides.py)."""

import asyncio
from collections.abc import Iterable
from typing import Any, Optional

import asyncpg

from config import Settings
from containers import Container
from services.analytics_service import AnalyticsService
from services.database_service import DatabaseService
from services.redis_service import RedisService


class CountedProductReads(DatabaseService):
    """The real pool; every read of the products table is counted in Redis, where the test
    reads it (how often PostgreSQL was asked), and takes 0.3 s longer, so a burst of misses
    overlaps however the two cores schedule it."""

    def __init__(self, settings: Settings, redis: RedisService) -> None:
        super().__init__(settings)
        self._redis = redis

    async def _counted(self, query: str) -> None:
        if query.lstrip().startswith("SELECT") and " FROM products" in query:
            await self._redis.client.incr(self._redis.key("test", "product-reads"))
            await asyncio.sleep(0.3)

    async def fetchrow(self, query: str, *args: Any) -> Optional[asyncpg.Record]:
        await self._counted(query)
        return await super().fetchrow(query, *args)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        await self._counted(query)
        return await super().fetch(query, *args)


def counted_product_reads(container: Container) -> None:
    container.override(
        container.database, lambda c: CountedProductReads(c.get(c.settings), c.get(c.redis))
    )


class BrokenAnalytics(AnalyticsService):
    async def record_sale(self, lines: Iterable[tuple[int, int]]) -> None:
        raise RuntimeError("the analytics store exploded")


def broken_analytics(container: Container) -> None:
    container.override(container.analytics, lambda c: BrokenAnalytics(c.get(c.redis)))
