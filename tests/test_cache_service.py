"""services/cache_service.py against a real Redis, in this process: two CacheService instances
stand for two workers (each has its own in-process state, they share Redis)."""

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from config import Settings
from services.cache_service import CacheService, cache_result, entry_digest, function_identity
from services.redis_service import RedisService
from tests.server import ROOT


class Item(BaseModel):
    id: int
    name: str


class Catalogue:
    """A service with one cached read; counts how often it really computes."""

    def __init__(self, cache: CacheService, delay: float = 0.0) -> None:
        self.cache = cache
        self.names = {1: "lamp"}
        self.computed = 0
        self.delay = delay

    @cache_result("items")
    async def item(self, item_id: int) -> Item:
        self.computed += 1
        name = self.names[item_id]  # read before the delay: what a query would have seen
        await asyncio.sleep(self.delay)
        return Item(id=item_id, name=name)


def settings(redis_url: str, key_prefix: str, **values: Any) -> Settings:
    return Settings(
        database_url="postgresql://unused@127.0.0.1/unused",  # type: ignore[arg-type]
        redis_url=redis_url,  # type: ignore[arg-type]
        redis_key_prefix=key_prefix,
        redis_socket_timeout=1.0,
        **values,
    )


@pytest.fixture
async def workers(redis_url: str, key_prefix: str) -> AsyncIterator[list[CacheService]]:
    services = []
    for _ in range(2):
        redis = RedisService(settings(redis_url, key_prefix))
        await redis.connect()
        services.append((redis, CacheService(settings(redis_url, key_prefix), redis)))
    yield [cache for _, cache in services]
    for redis, _ in services:
        await redis.close()


async def test_a_hit_is_the_stored_json_and_computes_nothing(workers: list[CacheService]) -> None:
    one, two = Catalogue(workers[0]), Catalogue(workers[1])
    answer = await one.item(1)
    assert answer.json == '{"id":1,"name":"lamp"}'
    assert answer.model() == Item(id=1, name="lamp")  # the declared model, from the entry
    assert (await two.item(1)).json == '{"id":1,"name":"lamp"}'  # the other worker: a hit
    assert (await two.item(item_id=1)).json == '{"id":1,"name":"lamp"}'  # same key, however passed
    assert (one.computed, two.computed) == (1, 0)


async def test_an_invalidation_is_seen_by_every_worker(workers: list[CacheService]) -> None:
    one, two = Catalogue(workers[0]), Catalogue(workers[1])
    await one.item(1)
    one.names[1] = two.names[1] = "desk lamp"
    await workers[0].invalidate("items")
    assert (await two.item(1)).json == '{"id":1,"name":"desk lamp"}'
    assert (await one.item(1)).json == '{"id":1,"name":"desk lamp"}'


async def test_an_entry_computed_before_a_write_is_never_read_after_it(
    workers: list[CacheService],
) -> None:
    """The race the guide's cache loses: a read computes from old data, a write commits and
    invalidates, then the read stores its old answer. It is stored, but never read."""
    slow = Catalogue(workers[0], delay=0.3)
    reading = asyncio.create_task(slow.item(1))
    await asyncio.sleep(0.1)  # the read has seen "lamp"
    slow.names[1] = "desk lamp"
    await workers[1].invalidate("items")  # the write, from another worker
    assert (await reading).json == '{"id":1,"name":"lamp"}'  # that request saw the old data
    fresh = Catalogue(workers[1])
    fresh.names[1] = "desk lamp"
    assert (await fresh.item(1)).json == '{"id":1,"name":"desk lamp"}'


async def test_a_burst_of_misses_on_two_workers_computes_once(
    workers: list[CacheService],
) -> None:
    one, two = Catalogue(workers[0], delay=0.2), Catalogue(workers[1], delay=0.2)
    results = await asyncio.gather(
        *(one.item(1) for _ in range(25)), *(two.item(1) for _ in range(25))
    )
    assert {result.json for result in results} == {'{"id":1,"name":"lamp"}'}
    assert one.computed + two.computed == 1


async def test_a_lock_holder_that_outlasts_the_lock_timeout_is_not_waited_for(
    redis_url: str, key_prefix: str
) -> None:
    redis = RedisService(settings(redis_url, key_prefix))
    await redis.connect()
    try:
        quick = dict(cache_lock_timeout=0.2)
        one = Catalogue(CacheService(settings(redis_url, key_prefix, **quick), redis), delay=1.0)
        two = Catalogue(CacheService(settings(redis_url, key_prefix, **quick), redis))
        first = asyncio.create_task(one.item(1))
        await asyncio.sleep(0.05)
        started = asyncio.get_running_loop().time()
        assert (await two.item(1)).json == '{"id":1,"name":"lamp"}'
        assert asyncio.get_running_loop().time() - started < 0.9  # did not wait for `one`
        assert ((await first).json, one.computed, two.computed) == ('{"id":1,"name":"lamp"}', 1, 1)
    finally:
        await redis.close()


async def test_a_failing_computation_fails_every_waiter_and_stores_nothing(
    workers: list[CacheService],
) -> None:
    one = Catalogue(workers[0], delay=0.1)
    results = await asyncio.gather(*(one.item(2) for _ in range(5)), return_exceptions=True)
    assert all(isinstance(r, KeyError) for r in results) and one.computed == 1
    one.names[2] = "bulb"
    assert (await one.item(2)).json == '{"id":2,"name":"bulb"}'  # nothing was cached


async def test_without_redis_reads_are_computed_and_invalidations_retried(
    redis_url: str, key_prefix: str
) -> None:
    down = RedisService(settings("redis://127.0.0.1:1/0", key_prefix))
    await down.connect()
    cache = CacheService(settings("redis://127.0.0.1:1/0", key_prefix), down)
    catalogue = Catalogue(cache)
    assert (await catalogue.item(1)).json == '{"id":1,"name":"lamp"}'
    await cache.invalidate("items")  # does not raise
    assert "items" in cache._pending_invalidations
    catalogue.names[1] = "desk lamp"
    assert (await catalogue.item(1)).json == '{"id":1,"name":"desk lamp"}'
    await down.close()


async def test_a_pending_invalidation_keeps_this_worker_off_old_entries(
    workers: list[CacheService],
) -> None:
    one = Catalogue(workers[0])
    await one.item(1)
    one.names[1] = "desk lamp"
    workers[0]._pending_invalidations.add("items")  # as after a write Redis did not take
    assert (await one.item(1)).json == '{"id":1,"name":"desk lamp"}'  # retried, then read
    assert "items" not in workers[0]._pending_invalidations
    assert (await Catalogue(workers[1]).item(1)).json == '{"id":1,"name":"desk lamp"}'


async def test_entries_live_under_the_prefix_with_the_ttl(
    redis_url: str, key_prefix: str, workers: list[CacheService]
) -> None:
    await Catalogue(workers[0]).item(1)
    redis = RedisService(settings(redis_url, key_prefix))
    await redis.connect()
    keys = [k async for k in redis.client.scan_iter(match=key_prefix + "cache:items:*")]
    assert len(keys) == 1
    assert 0 < await redis.client.ttl(keys[0]) <= Settings.model_fields["cache_ttl_seconds"].default
    await redis.close()


def test_keys_are_the_same_in_every_process() -> None:
    """Unlike the guide's hash(), salted per process (PYTHONHASHSEED)."""
    code = (
        "from tests.test_cache_service import Catalogue, Item;"
        "from services.cache_service import entry_digest, function_identity;"
        "print(entry_digest(function_identity(Catalogue.item.__wrapped__, 1),"
        " {'item_id': 1, 'names': ('b', 'a')}))"
    )

    def digest(seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return run.stdout

    digests = {digest("1"), digest("2")}
    assert len(digests) == 1


def test_a_change_of_the_cached_shape_changes_the_keys() -> None:
    class Narrow(BaseModel):
        id: int

    class Wide(BaseModel):
        id: int
        name: str

    async def narrow() -> Narrow:
        return Narrow(id=1)

    async def wide() -> Wide:
        return Wide(id=1, name="lamp")

    wide.__qualname__ = narrow.__qualname__  # the same method, its model changed
    assert function_identity(narrow, 1) != function_identity(wide, 1)
    assert function_identity(narrow, 1) != function_identity(narrow, 2)
    # one amount, one key; but any other argument is another entry
    assert entry_digest("f", {"p": Decimal("5.0")}) == entry_digest("f", {"p": Decimal("5")})
    assert entry_digest("f", {"p": Decimal("5")}) != entry_digest("f", {"p": Decimal("5.01")})


def test_only_a_method_declared_to_return_a_model_can_be_cached() -> None:
    class Wrong:
        cache: CacheService

        @cache_result("wrong")  # type: ignore[type-var]
        async def names(self) -> list[str]:
            return []

    with pytest.raises(TypeError, match="must be declared to return a model"):
        asyncio.run(Wrong().names())
