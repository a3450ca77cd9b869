"""Work that may be lost runs after the response (web/background.py): the order's cache
warm-up and its sales count. A failing task is logged with its request id and counted; it
never runs the handler again (Velithon's BackgroundTask would: a second order)."""

import json

import redis

from tests import http
from tests.accounts import register
from tests.conftest import Database, StartServer


def test_a_failing_task_after_the_response_changes_nothing_else(
    start_server: StartServer, db: Database, redis_client: redis.Redis, key_prefix: str
) -> None:
    srv = start_server(CONTAINER_OVERRIDES="tests.shop_overrides:broken_analytics")
    buyer = register(srv.url)
    lamp = db.fetchval(
        "INSERT INTO products (sku, name, price, stock) VALUES ('L-1', 'L', 2, 5) RETURNING id"
    )
    body = {"items": [{"product_id": lamp, "quantity": 2}]}
    response = http.post(srv.url + "/orders", json=body, headers=buyer.headers)
    assert response.status_code == 201
    log = srv.wait_for_log("background_task_failed")
    line = json.loads(next(ln for ln in log.splitlines() if "background_task_failed" in ln))
    assert line["task"] == "record_sale" and line["priority"] == "LOW"
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["error"] == "RuntimeError"
    assert line["traceback"].endswith("\nRuntimeError\n")  # its type; its message never
    assert db.fetchval("SELECT count(*) FROM orders") == 1  # the handler ran once
    assert db.fetchval("SELECT stock FROM products") == 3
    # the HIGH task before it ran: the product's detail is in the cache again
    assert list(redis_client.scan_iter(match=f"{key_prefix}cache:products:*[0-9a-f]"))
    assert 'background_task_failures_total{task="record_sale"} 1.0' in srv.metrics().text
