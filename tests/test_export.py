"""GET /export/users and /export/orders over HTTP: admins only, streamed CSV that reads back,
formulas neutralised, and a client that goes away ends the export's query."""

import csv
import io
import time

import httpx

from tests import http
from tests.accounts import Account
from tests.conftest import Database
from tests.server import Server


def rows(response: httpx.Response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.text, newline="")))


def add_users(db: Database, count: int) -> None:
    db.execute(
        "INSERT INTO users (email, name, password_hash) "
        "SELECT 'bulk' || i || '@example.com', 'Bulk ' || i, 'not-a-hash' "
        "FROM generate_series(1, $1::int) AS i",
        count,
    )


def test_exports_are_for_admins(server: Server, user: Account) -> None:
    for path in ("/export/users", "/export/orders"):
        assert http.get(server.url + path).status_code == 401
        assert http.get(server.url + path, headers=user.headers).status_code == 403


def test_users_export_streams_csv_that_reads_back(
    server: Server, admin: Account, db: Database
) -> None:
    db.execute(
        "UPDATE users SET name = $1 WHERE id = $2", '=HYPERLINK("http://evil"), "x"', admin.id
    )
    add_users(db, 2500)  # three chunks of rows
    response = http.get(server.url + "/export/users", headers=admin.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="users-')
    assert response.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"  # the stack's headers too
    table = rows(response)
    assert table[0] == ["id", "email", "name", "role", "age", "is_active", "created_at"]
    assert len(table) == 1 + 1 + 2500
    assert table[1][2] == '\'=HYPERLINK("http://evil"), "x"'  # shown, never run
    assert table[-1][1] == "bulk2500@example.com"
    assert "not-a-hash" not in response.text and "password" not in response.text


def test_orders_export_has_exact_totals(
    server: Server, user: Account, admin: Account, db: Database
) -> None:
    product = db.fetchval(
        "INSERT INTO products (sku, name, price, stock) VALUES ('P-1', 'P', 0.10, 50) RETURNING id"
    )
    for quantity in (3, 7):
        body = {"items": [{"product_id": product, "quantity": quantity}]}
        assert http.post(server.url + "/orders", json=body, headers=user.headers).status_code == 201
    table = rows(http.get(server.url + "/export/orders", headers=admin.headers))
    assert table[0] == [
        "id",
        "user_id",
        "email",
        "total",
        "lines",
        "units",
        "created_at",
        "confirmed_at",
    ]
    assert [(r[2], r[3], r[4], r[5]) for r in table[1:]] == [
        (user.email, "0.30", "1", "3"),
        (user.email, "0.70", "1", "7"),
    ]


def test_a_client_that_goes_away_ends_the_export(
    server: Server, admin: Account, db: Database
) -> None:
    add_users(db, 300_000)
    with http.stream("GET", server.url + "/export/users", headers=admin.headers) as response:
        assert response.status_code == 200
        next(response.iter_bytes())  # the first chunk, then hang up
    log = server.wait_for_log("stream_abandoned_by_client", timeout=20)
    line = next(ln for ln in log.splitlines()[::-1] if "stream_abandoned_by_client" in ln)
    chunks_sent = int(line.split('"chunks_sent":')[1].split(",")[0])
    assert chunks_sent < 300  # of 300 chunks of 1,000 rows: it stopped early
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # its transaction is over, its connection back
        open_exports = db.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query LIKE 'SELECT id, email, name, role, age, is_active, created_at FROM users%' "
            "AND state <> 'idle'"
        )
        if open_exports == 0:
            break
        time.sleep(0.1)
    assert open_exports == 0
