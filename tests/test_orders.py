"""Orders over HTTP: one transaction takes the stock and writes the order with its prices and
its e-mail job; no overselling under concurrency; Idempotency-Key; who sees which order."""

import asyncio
from typing import Any

import httpx
import pytest

from tests import http
from tests.accounts import Account, register
from tests.conftest import Database, StartServer
from tests.server import Server


def product(db: Database, sku: str = "LAMP-1", price: str = "19.99", stock: int = 10) -> int:
    return int(
        db.fetchval(
            "INSERT INTO products (sku, name, price, stock) VALUES ($1, $2, $3, $4) RETURNING id",
            sku,
            f"Product {sku}",
            price,
            stock,
        )
    )


def order(
    server: Server, account: Account, items: list[tuple[int, int]], **headers: str
) -> httpx.Response:
    body = {"items": [{"product_id": p, "quantity": q} for p, q in items]}
    return http.post(server.url + "/orders", json=body, headers={**account.headers, **headers})


def stock(db: Database, product_id: int) -> int:
    return int(db.fetchval("SELECT stock FROM products WHERE id = $1", product_id))


def jobs(db: Database) -> list[Any]:
    """The orders' jobs (signups queue verification e-mails too)."""
    return list(
        db.fetch(
            "SELECT entrypoint, dedupe_key, status::text FROM pgqueuer "
            "WHERE entrypoint = 'order_confirmation'"
        )
    )


def test_an_order_takes_stock_at_that_moments_prices_with_its_email_job(
    server: Server, user: Account, admin: Account, db: Database
) -> None:
    lamp, bulb = product(db, "LAMP-1", "19.99", 5), product(db, "BULB-1", "0.10", 100)
    response = order(server, user, [(bulb, 3), (lamp, 2)])
    assert response.status_code == 201, response.text
    placed = response.json()
    assert response.headers["location"] == f"/orders/{placed['id']}"
    assert placed["total"] == "40.28" and placed["user_id"] == user.id
    assert placed["lines"] == [
        {"product_id": lamp, "name": "Product LAMP-1", "quantity": 2, "unit_price": "19.99"},
        {"product_id": bulb, "name": "Product BULB-1", "quantity": 3, "unit_price": "0.10"},
    ]
    assert (stock(db, lamp), stock(db, bulb)) == (3, 97)
    assert [tuple(j) for j in jobs(db)] == [
        ("order_confirmation", f"order_confirmation:{placed['id']}", "queued")
    ]
    http.patch(f"{server.url}/products/{lamp}", json={"price": "25.00"}, headers=admin.headers)
    again = http.get(f"{server.url}/orders/{placed['id']}", headers=user.headers)
    assert again.json() == placed  # the price of the moment it was placed
    assert http.get(f"{server.url}/products/{lamp}").json()["stock"] == 3  # cache ended


def test_too_little_stock_is_409_naming_the_product_and_changes_nothing(
    server: Server, user: Account, db: Database
) -> None:
    lamp, bulb = product(db, "LAMP-1", stock=5), product(db, "BULB-1", stock=1)
    response = order(server, user, [(lamp, 2), (bulb, 2)])
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert f"Product {bulb} (Product BULB-1) has 1 in stock" in response.json()["detail"]
    assert (stock(db, lamp), stock(db, bulb)) == (5, 1)
    assert db.fetchval("SELECT count(*) FROM orders") == 0 and jobs(db) == []


@pytest.mark.parametrize(
    ("items", "where"),
    [
        ([], ["body", "items"]),
        ([{"product_id": 1, "quantity": 0}], ["body", "items", 0, "quantity"]),
        ([{"product_id": 1, "quantity": 2**31}], ["body", "items", 0, "quantity"]),
        ([{"product_id": 999, "quantity": 1}], ["body", "items.0.product_id"]),
        ([{"product_id": 1, "quantity": True}], ["body", "items", 0, "quantity"]),
        ([{"product_id": 1}], ["body", "items", 0, "quantity"]),
        ([{"product_id": 1, "quantity": 1}] * 51, ["body", "items"]),
    ],
)
def test_bad_orders_are_422_and_change_nothing(
    server: Server, user: Account, db: Database, items: list[Any], where: list[Any]
) -> None:
    lamp = product(db)
    items = [{**item, "product_id": lamp if item["product_id"] == 1 else 999} for item in items]
    response = http.post(server.url + "/orders", json={"items": items}, headers=user.headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == where
    assert stock(db, lamp) == 10 and db.fetchval("SELECT count(*) FROM orders") == 0


def test_a_product_named_twice_is_ordered_once_with_the_quantities_added(
    server: Server, user: Account, db: Database
) -> None:
    lamp = product(db, stock=10)
    response = order(server, user, [(lamp, 2), (lamp, 3)])
    assert response.status_code == 201
    assert [(line["product_id"], line["quantity"]) for line in response.json()["lines"]] == [
        (lamp, 5)
    ]
    assert stock(db, lamp) == 5
    too_many = order(server, user, [(lamp, 2**31 - 1), (lamp, 2**31 - 1)])  # beyond any stock
    assert too_many.status_code == 409 and stock(db, lamp) == 5


def test_an_archived_product_cannot_be_ordered(
    server: Server, user: Account, admin: Account, db: Database
) -> None:
    lamp = product(db)
    http.delete(f"{server.url}/products/{lamp}", headers=admin.headers)
    assert order(server, user, [(lamp, 1)]).status_code == 422


def test_a_total_beyond_the_money_column_is_422(
    server: Server, user: Account, db: Database
) -> None:
    dear = product(db, price="9999999999.99", stock=5)
    response = order(server, user, [(dear, 2)])
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["body", "items"]


def test_100_concurrent_orders_for_10_items_on_2_workers_sell_exactly_10(
    start_server: StartServer, db: Database
) -> None:
    srv = start_server(WORKERS="2")
    buyers = [register(srv.url) for _ in range(4)]
    lamp = product(db, stock=10)

    async def rush() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=0)
        async with http.AsyncClient(base_url=srv.url, limits=limits, timeout=30) as client:
            body = {"items": [{"product_id": lamp, "quantity": 1}]}
            return await asyncio.gather(
                *(
                    client.post("/orders", json=body, headers=buyers[i % 4].headers)
                    for i in range(100)
                )
            )

    responses = asyncio.run(rush())
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 10 + [409] * 90
    assert all(f"Product {lamp}" in r.json()["detail"] for r in responses if r.status_code == 409)
    assert stock(db, lamp) == 0
    assert db.fetchval("SELECT count(*) FROM orders") == 10
    assert len(jobs(db)) == 10


def test_an_idempotency_key_returns_the_first_order(
    server: Server, user: Account, db: Database
) -> None:
    lamp, bulb = product(db, "LAMP-1"), product(db, "BULB-1")
    first = order(server, user, [(lamp, 1), (bulb, 2)], **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    same = order(server, user, [(bulb, 2), (lamp, 1)], **{"Idempotency-Key": "k-1"})  # any order
    assert same.status_code == 201 and same.json() == first.json()
    assert same.headers["idempotent-replayed"] == "true"
    assert same.headers["location"] == first.headers["location"]
    other = order(server, user, [(lamp, 2)], **{"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert other.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert db.fetchval("SELECT count(*) FROM orders") == 1 and stock(db, lamp) == 9
    # another user's key is another key
    assert (
        order(server, register(server.url), [(lamp, 1)], **{"Idempotency-Key": "k-1"}).json()["id"]
        != first.json()["id"]
    )


def test_a_key_older_than_24_hours_may_be_used_again(
    server: Server, user: Account, db: Database
) -> None:
    lamp = product(db)
    first = order(server, user, [(lamp, 1)], **{"Idempotency-Key": "daily"})
    db.execute("UPDATE order_requests SET created_at = now() - interval '25 hours'")
    later = order(server, user, [(lamp, 2)], **{"Idempotency-Key": "daily"})
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]


def test_concurrent_retries_with_one_key_create_one_order(
    start_server: StartServer, db: Database
) -> None:
    srv = start_server(WORKERS="2")
    buyer = register(srv.url)
    lamp = product(db, stock=1)  # a retry must replay, not find the stock gone

    async def retries() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=20, max_keepalive_connections=0)
        async with http.AsyncClient(base_url=srv.url, limits=limits, timeout=30) as client:
            body = {"items": [{"product_id": lamp, "quantity": 1}]}
            headers = {**buyer.headers, "Idempotency-Key": "retry-storm"}
            return await asyncio.gather(
                *(client.post("/orders", json=body, headers=headers) for _ in range(20))
            )

    responses = asyncio.run(retries())
    assert {r.status_code for r in responses} == {201}, {r.text for r in responses}
    assert len({r.json()["id"] for r in responses}) == 1
    assert db.fetchval("SELECT count(*) FROM orders") == 1 and stock(db, lamp) == 0


@pytest.mark.parametrize("key", ["", "a b", "x" * 256, "a\tb"])  # non-ASCII: granian drops it
def test_a_malformed_idempotency_key_is_422(
    server: Server, user: Account, db: Database, key: str
) -> None:
    lamp = product(db)
    body = {"items": [{"product_id": lamp, "quantity": 1}]}
    response = http.post(
        server.url + "/orders",
        json=body,
        headers={**user.headers, "Idempotency-Key": key},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert db.fetchval("SELECT count(*) FROM orders") == 0


def test_customers_see_their_own_orders_and_admins_all(
    server: Server, user: Account, admin: Account, db: Database
) -> None:
    lamp = product(db, stock=100)
    other = register(server.url)
    mine = [order(server, user, [(lamp, 1)]).json()["id"] for _ in range(5)]
    theirs = order(server, other, [(lamp, 1)]).json()["id"]
    assert http.get(f"{server.url}/orders/{theirs}", headers=user.headers).status_code == 404
    assert http.get(f"{server.url}/orders/{theirs}", headers=admin.headers).status_code == 200
    assert http.get(f"{server.url}/orders/{mine[0]}").status_code == 401

    def walk(account: Account) -> list[int]:
        ids, cursor = [], None
        while True:
            params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            page = http.get(server.url + "/orders", params=params, headers=account.headers)
            assert page.status_code == 200, page.text
            ids += [o["id"] for o in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                return ids

    assert walk(user) == sorted(mine, reverse=True)  # newest first
    assert walk(admin) == sorted([*mine, theirs], reverse=True)


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"cursor": "nope"}, {"cursor": "WyJpZCIsMSwxXQ"}]
)
def test_bad_order_list_parameters_are_422(
    server: Server, user: Account, params: dict[str, Any]
) -> None:
    response = http.get(server.url + "/orders", params=params, headers=user.headers)
    assert response.status_code == 422
