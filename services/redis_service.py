"""The Redis client with its connection pool: one per worker, opened in a startup hook."""

import asyncio
from collections import deque
from typing import Any, Optional

import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import MaxConnectionsError

from config import Settings


class WaitingConnectionPool(redis.ConnectionPool):
    """redis-py's pool, except that a command finding every connection busy waits for one
    (up to `timeout`) instead of failing with "Too many connections", which the plain pool
    does as soon as more than max_connections commands are in flight (tests/test_redis_pool.py).
    redis-py's BlockingConnectionPool waits too, but takes a condition lock and a timeout on
    every command (~9 us each, measured with bench/); this costs nothing until the pool is full.
    """

    def __init__(self, *, timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._timeout = timeout
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        while True:
            try:
                return await super().get_connection(*args, **kwargs)
            except MaxConnectionsError:
                freed: asyncio.Future[None] = loop.create_future()
                self._waiters.append(freed)
                try:
                    await asyncio.wait_for(freed, max(0.0, deadline - loop.time()))
                except TimeoutError as exc:
                    raise RedisConnectionError("No Redis connection available.") from exc

    async def release(self, connection: Any) -> None:
        await super().release(connection)
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # a waiter that timed out or was cancelled is skipped
                waiter.set_result(None)
                break


class RedisService:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Optional[redis.Redis] = None

    async def connect(self) -> None:
        s = self._settings
        pool = WaitingConnectionPool.from_url(  # nothing connects yet
            s.redis_url.get_secret_value(),
            max_connections=s.redis_max_connections,
            timeout=s.redis_socket_timeout,
            socket_timeout=s.redis_socket_timeout,
            socket_connect_timeout=s.redis_socket_timeout,
            decode_responses=True,
        )
        self._client = redis.Redis(connection_pool=pool)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose(close_connection_pool=True)
            self._client = None

    def key(self, *parts: str) -> str:
        """A namespaced key: every key the app writes goes through here."""
        return self._settings.redis_key_prefix + ":".join(parts)

    @property
    def client(self) -> redis.Redis:
        if self._client is None:
            raise RuntimeError("redis client is not open (startup hook has not run)")
        return self._client
