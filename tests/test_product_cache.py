"""The product reads' cache through HTTP, with 2 workers: a write is seen by the next read
from any worker, a burst of misses reaches PostgreSQL once, and without Redis reads still
answer from PostgreSQL."""

import asyncio
import re

import httpx
import redis

from tests import http
from tests.accounts import Account
from tests.backends import PrivateRedis
from tests.conftest import Database, StartServer
from tests.server import Server

TWO_WORKERS = {"WORKERS": "2"}


def cache_reads(srv: Server, result: str) -> float:
    text = srv.metrics().text
    found = re.search(rf'cache_reads_total{{cache="products",result="{result}"}} (\S+)', text)
    return float(found.group(1)) if found else 0.0


def new_product(db: Database, price: str = "19.99") -> int:
    return int(
        db.fetchval(
            "INSERT INTO products (sku, name, price, stock) VALUES ('LAMP-1', 'Lamp', $1, 5) "
            "RETURNING id",
            price,
        )
    )


def read(srv: Server, path: str) -> httpx.Response:
    """A new connection per request: the two workers take turns."""
    response = http.get(srv.url + path, headers={"Connection": "close"})
    assert response.status_code == 200, response.text
    return response


def test_a_change_is_seen_by_the_next_read_from_any_worker(
    start_server: StartServer, admin: Account, db: Database
) -> None:
    srv = start_server(**TWO_WORKERS)
    product_id = new_product(db)
    for _ in range(8):  # both workers have read it, the cache holds it
        assert read(srv, f"/products/{product_id}").json()["price"] == "19.99"
        assert read(srv, "/products?in_stock=true").json()["items"][0]["price"] == "19.99"
    assert cache_reads(srv, "hit") >= 10  # answered from the cache, not PostgreSQL

    changed = http.patch(
        f"{srv.url}/products/{product_id}", json={"price": "17.50"}, headers=admin.headers
    )
    assert changed.status_code == 200
    for _ in range(8):
        assert read(srv, f"/products/{product_id}").json()["price"] == "17.50"
        assert read(srv, "/products?in_stock=true").json()["items"][0]["price"] == "17.50"
    archived = http.delete(f"{srv.url}/products/{product_id}", headers=admin.headers)
    assert archived.status_code == 204
    for _ in range(4):
        response = http.get(f"{srv.url}/products/{product_id}", headers={"Connection": "close"})
        assert response.status_code == 404
        assert read(srv, "/products?in_stock=true").json()["items"] == []


def test_a_burst_of_50_misses_on_2_workers_reaches_postgresql_once(
    start_server: StartServer, db: Database, redis_client: redis.Redis, key_prefix: str
) -> None:
    srv = start_server(
        CONTAINER_OVERRIDES="tests.shop_overrides:counted_product_reads", **TWO_WORKERS
    )
    product_id = new_product(db)

    async def burst() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=50, max_keepalive_connections=0)
        async with http.AsyncClient(base_url=srv.url, limits=limits, timeout=10) as client:
            return await asyncio.gather(*(client.get(f"/products/{product_id}") for _ in range(50)))

    responses = asyncio.run(burst())
    assert {r.status_code for r in responses} == {200}
    assert len({r.text for r in responses}) == 1
    assert redis_client.get(key_prefix + "test:product-reads") == "1"
    assert cache_reads(srv, "miss") == 1
    assert cache_reads(srv, "hit") + cache_reads(srv, "wait") == 49


def test_without_redis_reads_answer_from_postgresql(
    start_server: StartServer, own_redis: PrivateRedis, db: Database
) -> None:
    srv = start_server(REDIS_URL=own_redis.url, fresh=True)
    product_id = new_product(db)
    assert read(srv, f"/products/{product_id}").json()["price"] == "19.99"  # now cached
    own_redis.stop()
    db.execute("UPDATE products SET price = 5 WHERE id = $1", product_id)
    for _ in range(5):
        assert read(srv, f"/products/{product_id}").json()["price"] == "5.00"
        assert read(srv, "/products").json()["items"][0]["price"] == "5.00"
    assert cache_reads(srv, "error") >= 10
    srv.wait_for_log("cache_unavailable")
    assert srv.log.count("cache_unavailable") == 1  # once a minute, not once a request
