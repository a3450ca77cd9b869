"""Rate limits in Redis: exact across workers, processes and replicas.

A sliding-window log per bucket, in one Lua script: atomic, so no two workers can both take
the last slot; the clock is Redis' own TIME, so hosts' clocks don't matter. We wrote the Lua
rather than use `limits`: its async Redis backend is built on `coredis`, a second Redis client
beside redis-py, and its moving window can't return the reset time we send.

Concurrent checks of one worker share one script call (services/batching.py): the script
takes any number of buckets and handles them one after another, each exactly as if alone.
"""

import math
import os
from typing import NamedTuple, Optional

from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from services.batching import Batcher
from services.errors import DependencyUnavailableError
from services.redis_service import RedisService

WINDOW_MS = 60_000

# KEYS: buckets. ARGV[1]: window (ms), ARGV[2]: a prefix unique to this call; then per bucket
# its limit. Returns per bucket: allowed (0/1), remaining, ms until its oldest counted
# request leaves the window.
SLIDING_WINDOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local out = {}
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[i + 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  local allowed = 0
  if count < limit then
    redis.call('ZADD', key, now, ARGV[2] .. i)
    redis.call('PEXPIRE', key, window)
    count = count + 1
    allowed = 1
  end
  local reset = window
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if oldest[2] then reset = tonumber(oldest[2]) + window - now end
  out[#out + 1] = allowed
  out[#out + 1] = limit - count
  out[#out + 1] = reset
end
return out
"""


class Decision(NamedTuple):  # a NamedTuple: per request, cheaper than a frozen dataclass
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until a slot frees up (Retry-After for a refusal)


class RateLimitService:
    def __init__(self, redis: RedisService) -> None:
        self._redis = redis
        self._script: Optional[AsyncScript] = None
        self._batcher: Batcher[tuple[str, int], Decision] = Batcher(self._check_all)

    async def hit(self, bucket: str, limit: int) -> Decision:
        """Count one request against `bucket` ("ip:203.0.113.9", "user:42", ...) if it is
        within `limit` a minute. Raises DependencyUnavailableError when Redis can't answer."""
        try:
            return await self._batcher((self._redis.key("rate", bucket), limit))
        except (RedisError, OSError) as exc:
            raise DependencyUnavailableError("Rate limiting is unavailable.") from exc

    async def _check_all(self, checks: list[tuple[str, int]]) -> list[Decision]:
        # Members must be unique across workers and calls: a random prefix per call, then the
        # bucket's position in it.
        member_prefix = os.urandom(8).hex() + ":"
        client = self._redis.client
        if self._script is None:
            self._script = client.register_script(SLIDING_WINDOW)  # reloads it after NOSCRIPT
        reply = await self._script(
            keys=[key for key, _ in checks],
            args=[WINDOW_MS, member_prefix, *(limit for _, limit in checks)],
            client=client,
        )
        return [
            Decision(
                allowed=bool(reply[3 * i]),
                limit=limit,
                remaining=max(0, int(reply[3 * i + 1])),
                reset_seconds=max(1, math.ceil(int(reply[3 * i + 2]) / 1000)),
            )
            for i, (_, limit) in enumerate(checks)
        ]
