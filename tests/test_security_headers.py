"""The OWASP secure-headers set is on every response, errors included."""

import re

import httpx
import pytest

from tests import http
from tests.conftest import StartServer
from tests.server import Server

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
    "x-xss-protection": "0",
}


def assert_secure(response: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "camera=()" in response.headers["permissions-policy"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health/live", 200),
        ("GET", "/", 200),
        ("GET", "/users/me", 401),
        ("DELETE", "/health", 405),
        ("POST", "/users", 422),
        ("GET", "/static/style.css", 200),
        ("GET", "/static/nope.css", 404),
        ("GET", "/favicon.ico", 200),
        ("GET", "/no/such/page", 404),
        ("TRACE", "/users", 405),
    ],
)
def test_every_response_carries_the_headers(
    server: Server, method: str, path: str, status: int
) -> None:
    response = http.request(method, server.url + path, json={} if method == "POST" else None)
    assert response.status_code == status
    assert_secure(response)
    assert response.headers["x-request-id"]


def test_no_hsts_outside_production(server: Server) -> None:
    assert "strict-transport-security" not in http.get(server.url + "/health/live").headers


def test_hsts_in_production(start_server: StartServer) -> None:
    srv = start_server(
        ENVIRONMENT="production", SECRET_KEY="s" * 48, SMTP_HOST="127.0.0.1", MAIL_DIR=""
    )
    hsts = http.get(srv.url + "/health/live").headers["strict-transport-security"]
    assert hsts == "max-age=63072000; includeSubDomains"


def test_docs_get_a_csp_of_their_own_with_nothing_inline_or_remote(server: Server) -> None:
    response = http.get(server.url + "/docs")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp and "http" not in csp
    assert "http" not in response.text and "<script>" not in response.text
    assert "style=" not in response.text and "<style" not in response.text
    for asset in re.findall(r'(?:src|href)="(/[^"]+)"', response.text):
        served = http.get(server.url + asset)
        assert served.status_code == 200, asset
        assert (
            served.headers["cache-control"].startswith("public, max-age=")
            and served.headers["etag"]
        )
    for unknown in (
        "index.html",
        "swagger-ui-bundle.js.map",
        "../__init__.py",
        "oauth2-redirect.js",
    ):
        assert http.get(f"{server.url}/docs/assets/{unknown}").status_code == 404, unknown
    api_csp = http.get(server.url + "/health/live").headers["content-security-policy"]
    assert api_csp != csp


def test_headers_are_configurable(start_server: StartServer) -> None:
    srv = start_server(REFERRER_POLICY="no-referrer", CONTENT_SECURITY_POLICY="default-src 'none'")
    response = http.get(srv.url + "/health/live")
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["content-security-policy"] == "default-src 'none'"
