"""Sales counts for the admin's dashboard, in Redis: units sold per product per day (UTC),
kept 40 days. Counted after the response (web/background.py): a count lost to a crash or a
Redis outage costs a number on a dashboard, never an order; orders themselves are the truth
(services/stats_service.py reads revenue from PostgreSQL)."""

from collections.abc import Iterable
from datetime import UTC, date, datetime

from services.redis_service import RedisService

KEEP_SECONDS = 40 * 24 * 3600


class AnalyticsService:
    def __init__(self, redis: RedisService) -> None:
        self._redis = redis

    def _key(self, day: date) -> str:
        return self._redis.key("analytics", "units", day.isoformat())

    async def record_sale(self, lines: Iterable[tuple[int, int]]) -> None:
        """(product id, quantity) of one order."""
        key = self._key(datetime.now(UTC).date())
        pipe = self._redis.client.pipeline(transaction=True)
        for product_id, quantity in lines:
            pipe.hincrby(key, str(product_id), quantity)
        pipe.expire(key, KEEP_SECONDS)
        await pipe.execute()

    async def best_sellers(self, day: date, count: int = 5) -> list[tuple[int, int]]:
        """(product id, units) of the day, most units first."""
        units = await self._redis.client.hgetall(self._key(day))
        ranked = sorted(((int(p), int(u)) for p, u in units.items()), key=lambda x: (-x[1], x[0]))
        return ranked[:count]
