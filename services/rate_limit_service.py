"""Rate limits in Redis: exact across workers, processes and replicas. At most `limit` requests
are admitted in any trailing minute, counted atomically in one Lua script on Redis' own clock
(TIME), so no two workers can both take the last slot and hosts' clocks don't matter. We wrote
the Lua rather than use `limits`: its async Redis backend is built on `coredis`, a second Redis
client beside redis-py, and its moving window can't return the reset time we send.

Two counts, by the size of the limit:
- up to LOG_LIMIT a minute, a sliding log (a sorted set, one member per admitted request):
  refuses exactly when `limit` requests fall in the trailing minute;
- above it, per-second counters (a hash of at most SLOTS + 3 fields, whatever the limit): the
  second the window starts in is counted whole, so it may refuse up to a second early, never
  admit more.

Three things keep it cheap, none of them loosening it:
- concurrent checks of one worker share one script call (services/batching.py);
- a check can bring back other keys in the same round trip (the session denylist, for the
  auth middleware: `also`);
- a bucket Redis refused cannot admit anything before its reset (nothing leaves the window
  sooner), so until then this worker refuses it without asking (`_refused_until`).
"""

import math
import os
import time
from collections.abc import Sequence
from typing import NamedTuple, Optional

from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from services.batching import Batcher
from services.errors import DependencyUnavailableError
from services.redis_service import RedisService

WINDOW_MS = 60_000
SLOTS = 60  # per-second counters for large limits
LOG_LIMIT = 120  # up to this, a sliding log
REFUSALS_KEPT = 10_000  # "refused until" entries per worker before expired ones are swept

# KEYS: per check its bucket, then the keys it also reads. ARGV[1]: window (ms), ARGV[2]:
# slots, ARGV[3]: the largest limit counted by a sliding log, ARGV[4]: a prefix unique to this
# call; then per check: its limit and how many keys it also reads. Returns per check: allowed
# (0/1), remaining, ms until a slot frees, then 1/0 for each key it also reads (it exists).
CHECKS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, slots, log_limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local slot_ms = window / slots
local out, k, a = {}, 1, 5
while a <= #ARGV do
  local key, limit, extra = KEYS[k], tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local allowed, count, reset = 0, 0, window
  if limit <= log_limit then
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    count = redis.call('ZCARD', key)
    if count < limit then
      redis.call('ZADD', key, now, ARGV[4] .. k)
      redis.call('PEXPIRE', key, window)
      count, allowed = count + 1, 1
    end
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    if oldest[2] then reset = tonumber(oldest[2]) + window - now end
  else
    -- the second the trailing window starts in is counted whole: current - slots
    local current = math.floor(now / slot_ms)
    local first = current - slots
    local state = redis.call('HMGET', key, 'total', 'oldest')
    local total, oldest = tonumber(state[1]) or 0, tonumber(state[2]) or current
    while oldest < first do
      total = total - (tonumber(redis.call('HGET', key, oldest)) or 0)
      redis.call('HDEL', key, oldest)
      oldest = oldest + 1
    end
    if total < limit then
      redis.call('HINCRBY', key, current, 1)
      total, allowed = total + 1, 1
    end
    redis.call('HSET', key, 'total', total, 'oldest', oldest)
    redis.call('PEXPIRE', key, window + slot_ms)
    count = total
    if allowed == 0 then
      local freed, s = 0, oldest
      while s <= current and total - freed >= limit do
        freed = freed + (tonumber(redis.call('HGET', key, s)) or 0)
        s = s + 1
      end
      reset = (s - 1 + slots) * slot_ms + slot_ms - now
    end
  end
  out[#out + 1] = allowed
  out[#out + 1] = limit - count
  out[#out + 1] = math.max(1, reset)
  for i = 1, extra do out[#out + 1] = redis.call('EXISTS', KEYS[k + i]) end
  k, a = k + 1 + extra, a + 2
end
return out
"""


class Decision(NamedTuple):  # a NamedTuple: per request, cheaper than a frozen dataclass
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until a slot frees up (Retry-After for a refusal)
    also: tuple[bool, ...] = ()  # whether each key asked for with `also` exists


class RateLimitService:
    def __init__(self, redis: RedisService) -> None:
        self._redis = redis
        self._script: Optional[AsyncScript] = None
        self._batcher: Batcher[tuple[str, int, Sequence[str]], Decision] = Batcher(self._check)
        self._refused_until: dict[str, float] = {}  # bucket key -> time.monotonic()

    async def hit(self, bucket: str, limit: int, also: Sequence[str] = ()) -> Decision:
        """Count one request against `bucket` ("ip:203.0.113.9", "user:42", ...) if it is
        within `limit` a minute; `also`: keys to look up in the same round trip. Raises
        DependencyUnavailableError when Redis can't answer."""
        key = self._redis.key("rate", bucket)
        until = self._refused_until.get(key)
        if until is not None:
            left = until - time.monotonic()
            if left > 0:
                return Decision(False, limit, 0, math.ceil(left))
            del self._refused_until[key]
        try:
            decision = await self._batcher((key, limit, also))
        except (RedisError, OSError) as exc:
            raise DependencyUnavailableError("Rate limiting is unavailable.") from exc
        if not decision.allowed:
            self._remember_refusal(key, decision)
        return decision

    def _remember_refusal(self, key: str, decision: Decision) -> None:
        # The deadline counts from the reply's arrival, after Redis took its time: if anything,
        # later than Redis' own, so this worker never admits what Redis would refuse.
        now = time.monotonic()
        if len(self._refused_until) >= REFUSALS_KEPT:
            self._refused_until = {k: t for k, t in self._refused_until.items() if t > now}
        self._refused_until[key] = now + decision.reset_seconds

    async def _check(self, checks: list[tuple[str, int, Sequence[str]]]) -> list[Decision]:
        # Sliding-log members must be unique across workers and calls: a random prefix per
        # call, then the check's position in it.
        member_prefix = os.urandom(8).hex() + ":"
        keys: list[str] = []
        args: list[int | str] = [WINDOW_MS, SLOTS, LOG_LIMIT, member_prefix]
        for key, limit, also in checks:
            keys += [key, *also]
            args += [limit, len(also)]
        client = self._redis.client
        if self._script is None:
            self._script = client.register_script(CHECKS)  # reloads it after NOSCRIPT
        reply = await self._script(keys=keys, args=args, client=client)
        decisions, at = [], 0
        for _, limit, also in checks:  # per request: kept lean (the replies are ints already)
            extra = len(also)
            decisions.append(
                Decision(
                    reply[at] == 1,
                    limit,
                    max(0, reply[at + 1]),
                    max(1, -(-reply[at + 2] // 1000)),  # ms -> whole seconds, rounded up
                    tuple(v == 1 for v in reply[at + 3 : at + 3 + extra]) if extra else (),
                )
            )
            at += 3 + extra
        return decisions
