"""The Redis client with its connection pool: one per worker, opened in a startup hook."""

from typing import Optional

import redis.asyncio as redis

from config import Settings


class RedisService:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Optional[redis.Redis] = None

    async def connect(self) -> None:
        s = self._settings
        # A blocking pool: with more commands in flight than REDIS_MAX_CONNECTIONS, a command
        # waits for a free connection (up to the socket timeout) instead of failing with
        # "Too many connections", as redis-py's default pool does. Nothing connects yet.
        pool = redis.BlockingConnectionPool.from_url(
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
