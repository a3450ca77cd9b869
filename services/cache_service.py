"""A read-through cache in Redis, shared by every worker, process and replica: the guide's
`cache_result`, made correct.

    class ProductService:
        @cache_result("products")
        async def detail(self, product_id: int) -> ProductOut: ...  # callers get Cached[ProductOut]

    await self._cache.invalidate("products")   # after every write that changes an answer

- Keys: the method's qualified name, an explicit `version` and a digest of the returned model's
  JSON schema (a change of the cached shape never reads old entries), and its arguments
  normalised (models by their JSON, sorted keys) and hashed with SHA-256: the same on every
  worker and host, unlike the guide's `hash()`, which is salted per process.
- Invalidation by generation: each cache name has a counter in Redis; an entry is stored with
  the generation read before computing it and counts only while that is current. A write bumps
  the counter after it commits, so the next read anywhere misses, list pages included; an entry
  computed from data older than a write can never be read after it, even when it is stored
  after it. Entries also expire after CACHE_TTL_SECONDS.
- Stampede guard: concurrent misses of one key in a worker share one computation, and a lock in
  Redis (SET NX, CACHE_LOCK_TIMEOUT) lets one worker compute while the others wait for its
  entry. A burst of misses for one key reaches PostgreSQL once across all workers, unless the
  computation outlasts CACHE_LOCK_TIMEOUT or its worker dies: then each other worker computes
  it at most once more.
- A Redis failure never fails a read: it is answered from PostgreSQL, counted
  (cache_reads_total{result="error"}) and logged at most once a minute per cache. An
  invalidation Redis did not take is retried before this worker's next read of that cache,
  which bypasses the cache until it succeeds; other workers may serve the old entry until it
  expires (CACHE_TTL_SECONDS bounds that).

Values are the model's own JSON (`model_dump_json()`). A cached method answers Cached[Model]:
`.json` is that JSON, which an endpoint sends as it is (a hit is never parsed), and `.model()`
the model, parsed from it for a caller that needs the values (a page that renders them).
Hits and misses go to Redis in one MGET shared by the concurrent reads of a worker
(services/batching.py).
"""

import asyncio
import functools
import hashlib
import inspect
import os
import time
from collections.abc import Awaitable, Callable, Coroutine
from decimal import Decimal
from typing import (
    Any,
    Concatenate,
    Generic,
    Optional,
    ParamSpec,
    Protocol,
    TypeVar,
    get_type_hints,
)

import orjson
import structlog
from pydantic import BaseModel
from redis.exceptions import RedisError

from config import Settings
from observability.metrics import CACHE_INVALIDATION_ERRORS, CACHE_READS
from services.batching import Batcher
from services.errors import DependencyUnavailableError
from services.redis_service import RedisService

log = structlog.get_logger(__name__)

REDIS_FAILURES = (RedisError, OSError, DependencyUnavailableError)
WARN_EVERY_SECONDS = 60.0
POLL_FIRST, POLL_MAX = 0.005, 0.05  # seconds between looks at a lock holder's entry
# Deletes the lock only if it is still ours (it may have expired and been taken meanwhile).
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

Json = str  # a model's JSON, as stored and as sent
Compute = Callable[[], Awaitable[Json]]
P = ParamSpec("P")
Owner = TypeVar("Owner", bound="HasCache")
M = TypeVar("M", bound=BaseModel)


class Cached(Generic[M]):
    """A cached method's answer: the model's JSON as it is stored, and the model on demand."""

    __slots__ = ("_type", "json")

    def __init__(self, json: Json, model_type: type[M]) -> None:
        self.json = json
        self._type = model_type

    def model(self) -> M:
        return self._type.model_validate_json(self.json)


class HasCache(Protocol):
    @property
    def cache(self) -> "CacheService": ...


def cache_result(
    name: str, version: int = 1
) -> Callable[
    [Callable[Concatenate[Owner, P], Awaitable[M]]],
    Callable[Concatenate[Owner, P], Coroutine[Any, Any, Cached[M]]],
]:
    """Cache a service method that returns a pydantic model; the cached method answers
    Cached[that model]. `name` groups entries that one invalidation ends (a resource); raise
    `version` when the method's meaning changes without its model changing."""

    def decorate(
        method: Callable[Concatenate[Owner, P], Awaitable[M]],
    ) -> Callable[Concatenate[Owner, P], Coroutine[Any, Any, Cached[M]]]:
        signature = inspect.signature(method)
        # Computed at the first call, when the model's schema is ready: (identity, model type).
        identity: list[tuple[str, type[M]]] = []

        @functools.wraps(method)
        async def cached(self: Owner, *args: P.args, **kwargs: P.kwargs) -> Cached[M]:
            if not identity:
                identity.append((function_identity(method, version), returned_model(method)))
            method_identity, model_type = identity[0]
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            arguments = list(bound.arguments.items())[1:]  # without self
            key = entry_digest(method_identity, dict(arguments))

            async def compute() -> Json:
                return (await method(self, *args, **kwargs)).model_dump_json()

            return Cached(await self.cache.read_through(name, key, compute), model_type)

        return cached

    return decorate


def returned_model(method: Callable[..., Any]) -> Any:
    returned = get_type_hints(method).get("return")
    if not (isinstance(returned, type) and issubclass(returned, BaseModel)):
        raise TypeError(f"@cache_result: {method.__qualname__} must be declared to return a model")
    return returned


def function_identity(method: Callable[..., Any], version: int) -> str:
    """What makes entries of one method readable: its name, version and result's shape."""
    returned = get_type_hints(method).get("return")
    shape = (
        orjson.dumps(returned.model_json_schema(), option=orjson.OPT_SORT_KEYS)
        if isinstance(returned, type) and issubclass(returned, BaseModel)
        else repr(returned).encode()
    )
    digest = hashlib.sha256(shape).hexdigest()[:12]
    return f"{method.__module__}.{method.__qualname__}:v{version}:{digest}"


def normalised(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 5, 5.0 and 5.00 are one amount
    if isinstance(value, tuple | list):
        return [normalised(item) for item in value]
    if isinstance(value, dict):
        return {str(k): normalised(v) for k, v in value.items()}
    return value


def entry_digest(identity: str, arguments: dict[str, Any]) -> str:
    payload = orjson.dumps(
        [identity, normalised(arguments)], option=orjson.OPT_SORT_KEYS, default=str
    )
    return hashlib.sha256(payload).hexdigest()[:32]


class CacheService:
    def __init__(self, settings: Settings, redis: RedisService) -> None:
        self._redis = redis
        self._enabled = settings.cache_enabled
        self._ttl = settings.cache_ttl_seconds
        self._lock_ms = int(settings.cache_lock_timeout * 1000)
        self._lock_timeout = settings.cache_lock_timeout
        self._reads: Batcher[tuple[str, str], tuple[Optional[str], Optional[str]]] = Batcher(
            self._mget
        )
        self._flights: dict[str, asyncio.Task[tuple[Json, str]]] = {}
        self._pending_invalidations: set[str] = set()
        self._last_warning: dict[str, float] = {}
        self._counters: dict[tuple[str, str], Any] = {}

    async def read_through(self, name: str, key: str, compute: Compute) -> Json:
        """The entry `key` of cache `name`, computed by `compute` when it is not there."""
        if not self._enabled:
            return await compute()
        if name in self._pending_invalidations and not await self._invalidate_now(name):
            return await compute()  # our own write is not invalidated yet: never read old data
        entry_key = self._redis.key("cache", name, key)
        try:
            generation, stored = await self._reads((self._generation_key(name), entry_key))
        except REDIS_FAILURES as exc:
            self._count(name, "error")
            self._warn(name, exc)
            return await compute()
        value = _current(stored, generation)
        if value is not None:
            self._count(name, "hit")
            return value
        flight = self._flights.get(entry_key)
        joined = flight is not None
        if flight is None:
            flight = asyncio.ensure_future(self._fill(name, entry_key, compute))
            self._flights[entry_key] = flight
            flight.add_done_callback(lambda _: self._flights.pop(entry_key, None))
        # shielded: a request that goes away does not cancel the others' computation
        computed, result = await asyncio.shield(flight)
        self._count(name, "wait" if joined and result == "miss" else result)
        return computed

    async def invalidate(self, name: str) -> None:
        """After a write that changes answers of cache `name` has committed."""
        if self._enabled:
            await self._invalidate_now(name)

    async def _invalidate_now(self, name: str) -> bool:
        try:
            await self._redis.client.incr(self._generation_key(name))
        except REDIS_FAILURES as exc:
            self._pending_invalidations.add(name)
            CACHE_INVALIDATION_ERRORS.labels(name).inc()
            self._warn(name, exc)
            return False
        self._pending_invalidations.discard(name)
        return True

    async def _fill(self, name: str, entry_key: str, compute: Compute) -> tuple[Json, str]:
        """Take the lock and compute, or wait for the worker that holds it. Returns the value
        and how it came: "miss" (computed here), "wait" (by another worker) or "error"."""
        lock_key, token = entry_key + ":lock", os.urandom(8).hex()
        deadline, delay = time.monotonic() + self._lock_timeout, POLL_FIRST
        try:
            while True:
                locked, generation, stored = await self._lock_and_read(
                    name, lock_key, token, entry_key
                )
                value = _current(stored, generation)
                if value is not None:  # filled meanwhile
                    if locked:
                        await self._release(lock_key, token)
                    return value, "wait"
                if locked or time.monotonic() >= deadline:
                    break
                await asyncio.sleep(delay)
                delay = min(delay * 2, POLL_MAX)
        except REDIS_FAILURES as exc:
            self._warn(name, exc)
            return await compute(), "error"
        try:
            value = await compute()
        finally:
            if locked:
                await self._quietly(name, self._release(lock_key, token))
        await self._quietly(name, self._store(entry_key, generation, value))
        return value, "miss"

    async def _lock_and_read(
        self, name: str, lock_key: str, token: str, entry_key: str
    ) -> tuple[bool, Optional[str], Optional[str]]:
        pipe = self._redis.client.pipeline(transaction=False)
        pipe.set(lock_key, token, nx=True, px=self._lock_ms)
        pipe.mget(self._generation_key(name), entry_key)
        locked, (generation, stored) = await pipe.execute()
        return bool(locked), generation, stored

    async def _store(self, entry_key: str, generation: Optional[str], value: Json) -> None:
        await self._redis.client.set(entry_key, f"{generation or 0}:{value}", ex=self._ttl)

    async def _release(self, lock_key: str, token: str) -> None:
        await self._redis.client.eval(RELEASE, 1, lock_key, token)

    async def _quietly(self, name: str, call: Awaitable[Any]) -> None:
        try:
            await call
        except REDIS_FAILURES as exc:
            self._warn(name, exc)

    async def _mget(
        self, reads: list[tuple[str, str]]
    ) -> list[tuple[Optional[str], Optional[str]]]:
        keys = [key for pair in reads for key in pair]
        values: list[Optional[str]] = await self._redis.client.mget(keys)  # type: ignore[assignment]
        return list(zip(values[::2], values[1::2], strict=True))

    def _generation_key(self, name: str) -> str:
        return self._redis.key("cache", name, "generation")

    def _count(self, name: str, result: str) -> None:
        counter = self._counters.get((name, result))
        if counter is None:
            counter = self._counters[name, result] = CACHE_READS.labels(name, result)
        counter.inc()

    def _warn(self, name: str, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._last_warning.get(name, -WARN_EVERY_SECONDS) >= WARN_EVERY_SECONDS:
            self._last_warning[name] = now
            log.warning(
                "cache_unavailable",
                cache=name,
                error=type(exc).__name__,
                action="answering from the database",
            )


def _current(stored: Optional[str], generation: Optional[str]) -> Optional[Json]:
    """The entry's value if it was computed in the current generation."""
    if stored is None:
        return None
    stored_generation, _, value = stored.partition(":")
    return value if stored_generation == (generation or "0") else None
