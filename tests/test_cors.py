"""CORS: preflights and actual requests from allowed and foreign origins."""

import httpx

from tests import http
from tests.conftest import StartServer
from tests.server import Server

ALLOWED = "http://localhost:3000"  # the default CORS_ORIGINS
FOREIGN = "https://evil.example"


def preflight(
    server: Server, origin: str, method: str = "POST", headers: str = ""
) -> httpx.Response:
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    return http.options(server.url + "/users", headers=request_headers)


def test_preflight_from_an_allowed_origin(server: Server) -> None:
    response = preflight(server, ALLOWED, "PATCH", "authorization, content-type")
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "PATCH" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-headers"] == "authorization, content-type"
    assert response.headers["access-control-max-age"] == "600"
    assert response.headers["vary"] == "Origin"
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


def test_preflight_refusals(server: Server) -> None:
    for response in (
        preflight(server, FOREIGN),
        preflight(server, ALLOWED, "TRACE"),
        preflight(server, ALLOWED, "POST", "x-secret-header"),
    ):
        assert response.status_code == 403
        assert "access-control-allow-origin" not in response.headers
        assert response.headers["content-type"] == "application/problem+json"


def test_actual_requests(server: Server) -> None:
    allowed = http.get(server.url + "/health/live", headers={"Origin": ALLOWED})
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert "x-request-id" in allowed.headers["access-control-expose-headers"].lower()
    assert allowed.headers["vary"] == "Origin"
    foreign = http.get(server.url + "/health/live", headers={"Origin": FOREIGN})
    assert foreign.status_code == 200  # CORS is enforced by the browser; we just don't allow it
    assert "access-control-allow-origin" not in foreign.headers
    assert foreign.headers["vary"] == "Origin"
    no_origin = http.get(server.url + "/health/live")
    assert "access-control-allow-origin" not in no_origin.headers


def test_credentials_and_wildcard(start_server: StartServer) -> None:
    with_credentials = start_server(
        CORS_ORIGINS="https://app.example", CORS_ALLOW_CREDENTIALS="true"
    )
    response = preflight(with_credentials, "https://app.example")
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    assert response.headers["access-control-allow-credentials"] == "true"
    anyone = start_server(CORS_ORIGINS="*")
    response = http.get(anyone.url + "/health/live", headers={"Origin": FOREIGN})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
