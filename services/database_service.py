"""The PostgreSQL pool: opened once per worker in a startup hook, closed at shutdown."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Optional

import asyncpg

from config import Settings


class DatabaseService:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool: Optional[asyncpg.Pool] = None

    async def connect(self) -> None:
        s = self._settings
        self._pool = await asyncpg.create_pool(
            s.database_url.get_secret_value(),
            min_size=s.db_pool_size,
            max_size=s.db_pool_size + s.db_max_overflow,
            command_timeout=s.db_command_timeout,
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database pool is not open (startup hook has not run)")
        return self._pool

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.pool.acquire() as conn:
            yield conn

    async def fetchval(self, query: str, *args: Any) -> Any:
        return await self.pool.fetchval(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> Optional[asyncpg.Record]:
        return await self.pool.fetchrow(query, *args)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        return await self.pool.fetch(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        return await self.pool.execute(query, *args)
