"""Products over HTTP: public reads, admin writes, validation, exact money, keyset pages."""

from decimal import Decimal
from typing import Any

import pytest

from tests import http
from tests.accounts import Account
from tests.conftest import Database
from tests.server import Server

LAMP = {"sku": "LAMP-001", "name": "Desk lamp", "price": "19.99", "stock": 3}


def create(server: Server, admin: Account, **fields: Any) -> dict[str, Any]:
    response = http.post(server.url + "/products", json={**LAMP, **fields}, headers=admin.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def insert(db: Database, count: int, start: int = 0) -> None:
    """Products straight into the table: arranging, not what is tested."""
    db.execute(
        "INSERT INTO products (sku, name, price, stock) "
        "SELECT 'SKU-' || i, 'Item ' || lpad(i::text, 4, '0'), (i % 7) + 0.5, i % 3 "
        "FROM generate_series($1::int, $2::int) AS i",
        start,
        start + count - 1,
    )


def test_reads_are_public_and_writes_need_an_admin(server: Server, user: Account) -> None:
    assert http.get(server.url + "/products").status_code == 200
    assert http.get(server.url + "/products/1").status_code == 404
    for method, path in (
        ("POST", "/products"),
        ("PATCH", "/products/1"),
        ("DELETE", "/products/1"),
    ):
        anonymous = http.request(method, server.url + path, json=LAMP)
        assert anonymous.status_code == 401, (method, anonymous.text)
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        not_admin = http.request(method, server.url + path, json=LAMP, headers=user.headers)
        assert not_admin.status_code == 403, (method, not_admin.text)


def test_admin_creates_reads_changes_and_archives(
    server: Server, admin: Account, db: Database
) -> None:
    created = create(server, admin)
    assert created["price"] == "19.99" and created["stock"] == 3 and created["description"] == ""
    url = f"{server.url}/products/{created['id']}"
    assert http.get(url).json() == created

    changed = http.patch(url, json={"stock": 0, "name": "Lamp"}, headers=admin.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["stock"] == 0 and changed.json()["name"] == "Lamp"
    assert changed.json()["price"] == "19.99"  # untouched
    assert http.get(url).json() == changed.json()

    assert http.delete(url, headers=admin.headers).status_code == 204
    assert http.get(url).status_code == 404
    assert http.get(server.url + "/products").json()["items"] == []
    assert http.delete(url, headers=admin.headers).status_code == 404
    assert http.patch(url, json={"stock": 1}, headers=admin.headers).status_code == 404
    # archived, not deleted: past orders keep pointing at it
    assert db.fetchval("SELECT archived_at IS NOT NULL FROM products WHERE id = $1", created["id"])


def test_location_names_the_new_product(server: Server, admin: Account) -> None:
    response = http.post(server.url + "/products", json=LAMP, headers=admin.headers)
    assert response.headers["location"] == f"/products/{response.json()['id']}"


def test_a_taken_sku_is_409_even_once_archived(server: Server, admin: Account) -> None:
    first = create(server, admin)
    again = http.post(server.url + "/products", json=LAMP, headers=admin.headers)
    assert again.status_code == 409 and "SKU" in again.json()["detail"]
    other = create(server, admin, sku="LAMP-002")
    taken = http.patch(
        f"{server.url}/products/{other['id']}", json={"sku": "LAMP-001"}, headers=admin.headers
    )
    assert taken.status_code == 409
    http.delete(f"{server.url}/products/{first['id']}", headers=admin.headers)
    assert http.post(server.url + "/products", json=LAMP, headers=admin.headers).status_code == 409


@pytest.mark.parametrize(
    "change",
    [
        {"price": 19.99},  # a float: never money
        {"price": 20},
        {"price": "-1.00"},
        {"price": "1.999"},
        {"price": "1e3"},
        {"price": "10000000000.00"},  # beyond numeric(12,2)
        {"price": None},
        {"stock": -1},
        {"stock": 2**31},
        {"stock": True},
        {"sku": "lamp-001"},
        {"sku": ""},
        {"sku": "A" * 41},
        {"name": "<b>Lamp</b>"},
        {"name": "   "},
        {"name": "Lamp\u0000"},
        {"description": "x" * 2001},
        {"colour": "red"},
    ],
)
def test_bad_products_are_422_and_change_nothing(
    server: Server, admin: Account, db: Database, change: dict[str, Any]
) -> None:
    created = create(server, admin, sku="KEEP-1")
    response = http.post(server.url + "/products", json={**LAMP, **change}, headers=admin.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"][:2] == ["body", next(iter(change))]
    patch = http.patch(f"{server.url}/products/{created['id']}", json=change, headers=admin.headers)
    assert patch.status_code == 422, patch.text
    assert db.fetchval("SELECT count(*) FROM products") == 1
    assert http.get(f"{server.url}/products/{created['id']}").json() == created


def test_an_empty_patch_is_422(server: Server, admin: Account) -> None:
    created = create(server, admin)
    response = http.patch(f"{server.url}/products/{created['id']}", json={}, headers=admin.headers)
    assert response.status_code == 422


def test_money_is_exact_through_any_number_of_round_trips(
    server: Server, admin: Account, db: Database
) -> None:
    created = create(server, admin, price="0.10")
    url = f"{server.url}/products/{created['id']}"
    for round_trip in range(20):
        read = http.get(url).json()
        assert read["price"] == "0.10"
        response = http.patch(
            url, json={"price": read["price"], "stock": round_trip}, headers=admin.headers
        )
        assert response.json()["price"] == "0.10"
    for price in ("19.99", "0", "9999999999.99", "1.5"):
        response = http.patch(url, json={"price": price}, headers=admin.headers)
        assert response.status_code == 200
        stored = db.fetchval("SELECT price FROM products WHERE id = $1", created["id"])
        assert stored == Decimal(price)
        assert http.get(url).json()["price"] == f"{Decimal(price):.2f}"


def walk(server: Server, db: Database, sort: str, insert_between: bool) -> list[int]:
    ids: list[int] = []
    cursor = None
    extra = 1000
    while True:
        params: dict[str, Any] = {"limit": 7, "sort": sort}
        if cursor:
            params["cursor"] = cursor
        page = http.get(server.url + "/products", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["limit"] == 7 and len(body["items"]) <= 7
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids
        if insert_between:  # new products, at both ends of every order, mid-walk
            insert(db, 2, start=extra)
            extra += 2


@pytest.mark.parametrize("sort", ["id", "name", "price", "-price"])
def test_a_walk_meets_every_product_once_while_products_are_added(
    server: Server, db: Database, sort: str
) -> None:
    insert(db, 30)
    before = {r["id"] for r in db.fetch("SELECT id FROM products")}
    seen = walk(server, db, sort, insert_between=True)
    assert len(seen) == len(set(seen)), "a product appeared twice"
    assert before <= set(seen), "a product present throughout was skipped"
    rows = db.fetch("SELECT id, name, price FROM products WHERE id = ANY($1::bigint[])", seen)
    key = {
        "id": lambda r: (r["id"],),
        "name": lambda r: (r["name"], r["id"]),
        "price": lambda r: (r["price"], r["id"]),
        "-price": lambda r: (-r["price"], r["id"]),
    }[sort]
    by_id = {r["id"]: r for r in rows}
    assert seen == sorted(seen, key=lambda i: key(by_id[i]))


def test_filters(server: Server, admin: Account) -> None:
    lamp = create(server, admin, sku="A-1", name="Desk Lamp", price="19.99", stock=3)
    bulb = create(server, admin, sku="A-2", name="Bulb 100%", price="2.50", stock=0)
    shade = create(server, admin, sku="A-3", name="Lampshade", price="12.00", stock=5)

    def ids(**params: Any) -> list[int]:
        response = http.get(server.url + "/products", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids(q="lamp") == [lamp["id"], shade["id"]]
    assert ids(q="100%") == [bulb["id"]]
    assert ids(q="%") == [bulb["id"]]  # literally: only the name with a %
    assert ids(min_price="12") == [lamp["id"], shade["id"]]
    assert ids(max_price="12.00") == [bulb["id"], shade["id"]]
    assert ids(min_price="2.5", max_price="2.5") == [bulb["id"]]
    assert ids(in_stock="true") == [lamp["id"], shade["id"]]
    assert ids(in_stock="false") == [bulb["id"]]
    assert ids(ids=f"{shade['id']},{lamp['id']},999") == [lamp["id"], shade["id"]]
    assert ids(q="lamp", in_stock="true", max_price="15") == [shade["id"]]
    assert ids(sort="-price") == [lamp["id"], shade["id"], bulb["id"]]
    assert ids(sort="name") == [bulb["id"], lamp["id"], shade["id"]]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": "x"},
        {"sort": "stock"},
        {"min_price": "-1"},
        {"min_price": "1.005"},
        {"in_stock": "maybe"},
        {"ids": "1,x"},
        {"ids": "0"},
        {"ids": ",".join(["1"] * 101)},
        {"ids": "9223372036854775808"},
        {"q": ""},
        {"q": "a\u0000"},
        {"cursor": "not-a-cursor"},
        {"cursor": "W10"},
        {"cursor": "x" * 401},
        {"cursor": "WyJpZCIsMSwxXQ", "sort": "name"},  # ["id",1,1]: another sort's
        {"cursor": "WyJwcmljZSIsImFiYyIsMV0", "sort": "price"},  # ["price","abc",1]
        {"cursor": "WyJuYW1lIiwxLDFd", "sort": "name"},  # ["name",1,1]
        {"cursor": "WyJpZCIsMSwtMV0"},  # ["id",1,-1]
    ],
)
def test_bad_list_parameters_are_422(server: Server, params: dict[str, Any]) -> None:
    response = http.get(server.url + "/products", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("product_id", ["0x1", "1.5", "9223372036854775808", "abc", "1%00"])
def test_bad_product_ids_are_422(server: Server, product_id: str) -> None:
    response = http.get(f"{server.url}/products/{product_id}")
    assert response.status_code == 422, response.text
    assert http.get(f"{server.url}/products/-1").status_code == 404  # an id, of nothing


def test_a_cursor_page_after_the_last_is_empty(server: Server, db: Database) -> None:
    insert(db, 3)
    first = http.get(server.url + "/products", params={"limit": 2}).json()
    second = http.get(
        server.url + "/products", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
