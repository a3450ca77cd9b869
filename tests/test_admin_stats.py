"""GET /admin/stats: counts, the last 30 days of orders and revenue (exact, days without orders
included), today's best sellers; concurrent queries with a statement timeout."""

import asyncio
import time
from datetime import UTC, datetime, timedelta

import asyncpg

from tests import http
from tests.accounts import Account
from tests.conftest import Database
from tests.server import Server


def test_stats_count_and_sum_exactly(
    server: Server, user: Account, admin: Account, db: Database
) -> None:
    lamp = db.fetchval(
        "INSERT INTO products (sku, name, price, stock) VALUES ('L-1', 'L', 0.10, 99) RETURNING id"
    )
    db.execute(
        "INSERT INTO products (sku, name, price, archived_at) VALUES ('GONE', 'G', 1, now())"
    )
    for quantity in (1, 2):
        body = {"items": [{"product_id": lamp, "quantity": quantity}]}
        assert http.post(server.url + "/orders", json=body, headers=user.headers).status_code == 201
    db.execute(  # an order 10 days ago, and one outside the 30 days
        "INSERT INTO orders (user_id, total, created_at) VALUES "
        "($1, 5.55, now() - interval '10 days'), ($1, 9, now() - interval '40 days')",
        user.id,
    )
    time.sleep(0.5)  # the sales counts are written after the responses
    response = http.get(server.url + "/admin/stats", headers=admin.headers)
    assert response.status_code == 200, response.text
    stats = response.json()
    assert (stats["users"], stats["products"], stats["orders"]) == (2, 1, 4)
    days = stats["last_30_days"]
    today = datetime.now(UTC).date()
    assert len(days) == 30 and days[-1]["day"] == today.isoformat()
    assert days[-1] == {"day": today.isoformat(), "orders": 2, "revenue": "0.30"}
    assert {"day": (today - timedelta(days=10)).isoformat(), "orders": 1, "revenue": "5.55"} in days
    assert sum(d["orders"] for d in days) == 3
    assert stats["best_sellers_today"] == [{"product_id": lamp, "units": 3}]
    assert http.get(server.url + "/admin/stats", headers=user.headers).status_code == 403


def test_a_stuck_query_is_cut_off_by_the_statement_timeout(
    server: Server, admin: Account, database_url: str
) -> None:
    async def hold_the_orders_table() -> int:
        conn = await asyncpg.connect(database_url)
        try:
            async with conn.transaction():
                await conn.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
                started = time.monotonic()
                response = await asyncio.to_thread(
                    http.get, server.url + "/admin/stats", headers=admin.headers, timeout=30
                )
                # two queries wait on the lock: 2 s each, at once (one after the other: 4 s)
                assert time.monotonic() - started < 3.5
                return response.status_code
        finally:
            await conn.close()

    assert asyncio.run(hold_the_orders_table()) == 503
    assert http.get(server.url + "/admin/stats", headers=admin.headers).status_code == 200
