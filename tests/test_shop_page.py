"""GET /shop over HTTP: the example shop's page (products, images, pages of them). The same
page in a real browser: tests/test_browser.py."""

import html
import re
from typing import Any

import pytest

from tests import http
from tests.accounts import Account
from tests.conftest import Database
from tests.images import multipart, png
from tests.server import Server
from tests.test_pages import assert_strict_csp


def add_products(db: Database, count: int) -> None:
    db.execute(
        "INSERT INTO products (sku, name, price, stock) "
        "SELECT 'SKU-' || i, 'Item ' || lpad(i::text, 3, '0'), i + 0.5, i % 2 "
        "FROM generate_series(1, $1::int) AS i",
        count,
    )


def next_link(text: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">', text)
    return html.unescape(found.group(1)) if found else None  # Handlebars escapes = and &


def test_the_shop_lists_products_with_images_and_pages(
    server: Server, admin: Account, db: Database
) -> None:
    add_products(db, 5)
    body, content_type = multipart("item.png", png())
    uploaded = http.post(
        server.url + "/products/1/images",
        content=body,
        headers={**admin.headers, "content-type": content_type},
    )
    assert uploaded.status_code == 201, uploaded.text
    image_url = uploaded.json()["url"]

    seen: list[str] = []
    link: str | None = "/shop?limit=2"
    pages = 0
    while link:
        response = http.get(server.url + link)
        assert response.status_code == 200, response.text
        assert_strict_csp(response)
        seen += re.findall(r"<h2>(Item \d+)</h2>", response.text)
        if pages == 0:
            assert f'<img src="{image_url}" alt="Item 001"' in response.text
            assert "First page" not in response.text
        else:
            assert '<a href="/shop?limit&#x3D;2">First page</a>' in response.text
        link = next_link(response.text)
        pages += 1
    assert seen == [f"Item {i:03}" for i in range(1, 6)] and pages == 3
    assert "1.50" in http.get(server.url + "/shop").text  # prices as money
    assert http.get(server.url + image_url).status_code == 200


def test_the_shop_keeps_filters_and_sort_across_pages(server: Server, db: Database) -> None:
    add_products(db, 6)
    first = http.get(
        server.url + "/shop", params={"limit": 2, "sort": "-price", "in_stock": "true"}
    )
    assert re.findall(r"<h2>(Item \d+)</h2>", first.text) == ["Item 005", "Item 003"]
    second = http.get(server.url + str(next_link(first.text)))
    assert re.findall(r"<h2>(Item \d+)</h2>", second.text) == ["Item 001"]


def test_an_empty_shop_says_so(server: Server) -> None:
    assert "No products yet." in http.get(server.url + "/shop").text


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"cursor": "nonsense"}, {"sort": "stock"}, {"q": "a\u0000"}]
)
def test_bad_shop_parameters_are_422(server: Server, params: dict[str, Any]) -> None:
    response = http.get(server.url + "/shop", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
