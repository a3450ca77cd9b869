"""The server-rendered pages over HTTP: what they show, their links, their CSP. The same pages
in a real browser: tests/test_browser.py."""

import httpx

from config import PROJECT_NAME
from tests import http
from tests.conftest import StartServer
from tests.server import Server

LINKS = [
    "/docs",
    "/metrics",
    "/health",
    "/shop",  # example-shop:line
]


def assert_strict_csp(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "default-src 'self'" in csp


def test_home_shows_name_version_live_health_and_links(server: Server) -> None:
    response = http.get(server.url + "/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert f"<h1>{PROJECT_NAME}</h1>" in response.text
    assert '<strong id="version">0.1.0</strong>' in response.text
    assert '<span id="database">healthy</span>' in response.text
    assert '<span id="redis">healthy</span>' in response.text
    for link in LINKS:
        assert f'href="{link}"' in response.text
    assert "<script" not in response.text and "style=" not in response.text
    assert_strict_csp(response)


def test_home_shows_what_is_unhealthy(start_server: StartServer) -> None:
    srv = start_server(CONTAINER_OVERRIDES="tests.overrides:degraded_health")
    text = http.get(srv.url + "/").text
    assert '<li class="unhealthy">Redis: <span id="redis">unhealthy: overridden</span>' in text
    assert '<li class="healthy">PostgreSQL' in text


def test_the_pages_assets_have_cache_headers(server: Server) -> None:
    css = http.get(server.url + "/static/style.css")
    assert css.headers["cache-control"] == "public, max-age=3600" and css.headers["etag"]
    assert ".products" in css.text
