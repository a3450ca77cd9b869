"""The throwaway database and the Redis key prefix of one benchmark run. Servers are run by
tests/server.py, the harness the test suite uses."""

import asyncio
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import redis

from scripts.migrate import migrate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REDIS_DB = 15  # as the test suite: a TCP URL without a db number gets db 15


def _sql(url: str, query: str, *args: object) -> None:
    async def go() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(query, *args)
        finally:
            await conn.close()

    asyncio.run(go())


class Backing:
    """A fresh, migrated database on the PostgreSQL server of `admin_url`, and a key prefix of
    our own in Redis; `close()` drops the database and deletes only keys under the prefix."""

    def __init__(self, admin_url: str, redis_url: str) -> None:
        self.admin_url = admin_url
        self.name = f"bench_{uuid.uuid4().hex[:12]}"
        self.database_url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{self.name}"))
        parts = urlsplit(redis_url)
        if parts.scheme != "unix" and parts.path in ("", "/"):
            redis_url = urlunsplit(parts._replace(path=f"/{DEFAULT_REDIS_DB}"))
        self.redis_url = redis_url
        self.key_prefix = f"bench-{uuid.uuid4().hex[:12]}:"
        self.redis = redis.Redis.from_url(redis_url, decode_responses=True)
        self._created = False

    def open(self) -> "Backing":
        _sql(self.admin_url, f'CREATE DATABASE "{self.name}"')
        self._created = True
        migrate(self.database_url)
        return self

    def execute(self, query: str, *args: object) -> None:
        _sql(self.database_url, query, *args)

    def close(self) -> None:
        try:
            keys = list(self.redis.scan_iter(match=f"{self.key_prefix}*", count=1000))
            for start in range(0, len(keys), 1000):
                self.redis.delete(*keys[start : start + 1000])
        finally:
            self.redis.close()
            if self._created:
                _sql(self.admin_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
