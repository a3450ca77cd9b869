"""The admin's dashboard numbers: four independent queries, run concurrently, each on its own
pool connection (an asyncpg connection runs one query at a time), each in a transaction with a
statement timeout so a slow one costs at most that. The guide runs such reads with
asyncio.gather; a TaskGroup does the same and also cancels the others when one fails, so no
query keeps a connection for an answer nobody will read."""

import asyncio
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import RedisError

from models.stats import AdminStats, BestSeller, DaySales
from services.analytics_service import AnalyticsService
from services.database_service import DatabaseService

STATEMENT_TIMEOUT = "2s"  # per query; a statement that takes longer is a 503
USERS = "SELECT count(*) FROM users"
PRODUCTS = "SELECT count(*) FROM products WHERE archived_at IS NULL"
ORDERS = "SELECT count(*) FROM orders"
LAST_30_DAYS = (
    "SELECT d::date AS day, count(o.id) AS orders, coalesce(sum(o.total), 0) AS revenue "
    "FROM generate_series((now() AT TIME ZONE 'UTC')::date - 29, "
    "(now() AT TIME ZONE 'UTC')::date, interval '1 day') AS d "
    "LEFT JOIN orders o ON o.created_at >= d AT TIME ZONE 'UTC' "
    "AND o.created_at < (d + interval '1 day') AT TIME ZONE 'UTC' GROUP BY d ORDER BY d"
)


class StatsService:
    def __init__(self, database: DatabaseService, analytics: AnalyticsService) -> None:
        self._db = database
        self._analytics = analytics

    async def _fetch(self, query: str) -> list[Any]:
        async with self._db.transaction() as conn:
            await conn.execute(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
            return list(await conn.fetch(query))

    async def overview(self) -> AdminStats:
        try:
            async with asyncio.TaskGroup() as group:
                users = group.create_task(self._fetch(USERS))
                products = group.create_task(self._fetch(PRODUCTS))
                orders = group.create_task(self._fetch(ORDERS))
                days = group.create_task(self._fetch(LAST_30_DAYS))
        except ExceptionGroup as failed:  # the first failure, as a sequential read raises it
            raise failed.exceptions[0] from None
        try:
            best = await self._analytics.best_sellers(datetime.now(UTC).date())
        except (RedisError, OSError):
            best = []  # counts are a nicety; the rest comes from PostgreSQL
        return AdminStats(
            users=users.result()[0][0],
            products=products.result()[0][0],
            orders=orders.result()[0][0],
            last_30_days=[DaySales.model_validate(dict(row)) for row in days.result()],
            best_sellers_today=[BestSeller(product_id=p, units=u) for p, u in best],
        )
