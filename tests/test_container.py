"""The DI container: injected services can't be replaced by clients; tests can swap them."""

import httpx

from tests.conftest import StartServer


def test_query_parameter_cannot_replace_an_injected_service(client: httpx.Client) -> None:
    # `health_service` is the injected parameter's name in endpoints/health.py.
    response = client.get("/health?health_service=x")
    assert response.status_code == 200
    assert response.json()["status"] == "healthy"


def test_override_seam_swaps_a_provider_inside_the_server(start_server: StartServer) -> None:
    srv = start_server(CONTAINER_OVERRIDES="tests.overrides:degraded_health")
    response = httpx.get(srv.url + "/health", timeout=5)
    assert response.status_code == 503
    assert response.json()["version"] == "override"
