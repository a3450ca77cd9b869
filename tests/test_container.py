"""The DI container: injected services can't be replaced by clients; tests can swap them."""

import httpx

from tests import http
from tests.conftest import StartServer


def test_query_parameter_cannot_replace_an_injected_service(client: httpx.Client) -> None:
    # `health` is the injected parameter's name in endpoints/health.py, `settings` and `files`
    # in endpoints/static.py (Settings is a pydantic model: Velithon would read it from the
    # query string, quirk 16).
    response = client.get("/health?health=x")
    assert response.status_code == 200
    assert response.json()["status"] == "healthy"
    asset = client.get("/static/style.css?settings=x&files=y&static_max_age=1")
    assert asset.status_code == 200 and asset.headers["cache-control"] == "public, max-age=3600"


def test_override_seam_swaps_a_provider_inside_the_server(start_server: StartServer) -> None:
    srv = start_server(CONTAINER_OVERRIDES="tests.overrides:degraded_health")
    response = http.get(srv.url + "/health", timeout=5)
    assert response.status_code == 503
    assert response.json()["version"] == "override"


def test_an_override_reaches_the_middleware_too(start_server: StartServer) -> None:
    srv = start_server(CONTAINER_OVERRIDES="tests.overrides:strict_limiter")
    response = http.get(srv.url + "/users/me", timeout=5)
    assert response.status_code == 429 and response.headers["retry-after"] == "42"
    assert http.get(srv.url + "/health/live").status_code == 200  # exempt: never asked
