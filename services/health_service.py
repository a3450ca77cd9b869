"""Readiness: does each dependency answer within HEALTH_TIMEOUT?

The answer never waits longer: a ping still running at the deadline is cancelled and left to
finish in the background. (asyncio.wait_for would wait for the cancellation to complete, and
on a frozen PostgreSQL that takes until the connection's own timeout.)"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import structlog

from config import Settings
from services.database_service import DatabaseService
from services.redis_service import RedisService

log = structlog.get_logger(__name__)


class HealthService:
    def __init__(self, settings: Settings, database: DatabaseService, redis: RedisService):
        self._settings = settings
        self._database = database
        self._redis = redis

    async def report(self) -> dict[str, str]:
        database, redis = await asyncio.gather(
            self._check("database", self._ping_database), self._check("redis", self._ping_redis)
        )
        healthy = database == "healthy" and redis == "healthy"
        return {
            "status": "healthy" if healthy else "unhealthy",
            "timestamp": datetime.now(UTC).isoformat(),
            "version": self._settings.app_version,
            "database": database,
            "redis": redis,
        }

    async def _check(self, name: str, ping: Callable[[], Awaitable[object]]) -> str:
        task = asyncio.ensure_future(ping())
        done, _ = await asyncio.wait({task}, timeout=self._settings.health_timeout)
        if not done:
            task.cancel()
            task.add_done_callback(_forget)
            log.warning("health_check_failed", dependency=name, reason="timeout")
            return "unhealthy: timeout"
        exc = task.exception()
        if exc is not None:
            # The reason stays in the log: connection errors can name hosts and users.
            log.warning("health_check_failed", dependency=name, reason=type(exc).__name__)
            return "unhealthy: unreachable"
        return "healthy"

    async def _ping_database(self) -> object:
        return await self._database.fetchval("SELECT 1")

    async def _ping_redis(self) -> object:
        return await self._redis.client.ping()


def _forget(task: "asyncio.Future[object]") -> None:
    """Retrieve a cancelled ping's outcome, so asyncio does not warn about it."""
    if not task.cancelled():
        task.exception()
