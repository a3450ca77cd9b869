"""The server-rendered pages over HTTP: what they show, their links, their CSP. The same pages
in a real browser: tests/test_browser.py."""

import html
import re
from typing import Any

import httpx
import pytest

from tests import http
from tests.accounts import Account
from tests.conftest import Database, StartServer
from tests.images import multipart, png
from tests.server import Server


def assert_strict_csp(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "default-src 'self'" in csp


def test_home_shows_name_version_live_health_and_links(server: Server) -> None:
    response = http.get(server.url + "/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "<h1>Velithon Service</h1>" in response.text
    assert '<strong id="version">0.1.0</strong>' in response.text
    assert '<span id="database">healthy</span>' in response.text
    assert '<span id="redis">healthy</span>' in response.text
    for link in ("/docs", "/metrics", "/shop"):
        assert f'href="{link}"' in response.text
    assert "<script" not in response.text and "style=" not in response.text
    assert_strict_csp(response)


def test_home_shows_what_is_unhealthy(start_server: StartServer) -> None:
    srv = start_server(CONTAINER_OVERRIDES="tests.overrides:degraded_health")
    text = http.get(srv.url + "/").text
    assert '<li class="unhealthy">Redis: <span id="redis">unhealthy: overridden</span>' in text
    assert '<li class="healthy">PostgreSQL' in text


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


def test_the_pages_assets_have_cache_headers(server: Server) -> None:
    css = http.get(server.url + "/static/style.css")
    assert css.headers["cache-control"] == "public, max-age=3600" and css.headers["etag"]
    assert ".products" in css.text
