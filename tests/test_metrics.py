"""GET /metrics: counts add up across workers, labels are route templates, access is limited."""

from prometheus_client.parser import text_string_to_metric_families

from tests import http
from tests.accounts import register
from tests.conftest import StartServer
from tests.server import Server


def samples(server: Server, **kwargs: object) -> dict[tuple[str, tuple], float]:
    response = server.metrics(**kwargs)
    assert response.status_code == 200, response.text
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def requests_total(found: dict, method: str, route: str, status: str) -> float:
    labels = tuple(sorted({"method": method, "route": route, "status": status}.items()))
    return found.get(("http_requests_total", labels), 0.0)


def test_counts_add_up_across_two_workers(start_server: StartServer) -> None:
    srv = start_server(WORKERS="2")
    before = samples(srv)  # the harness's readiness checks are counted too
    for _ in range(12):
        http.get(srv.url + "/health/live")
    for user_id in (1, 2, 3):
        http.get(f"{srv.url}/users/{user_id}")  # 401, refused before routing
    for path in ("/nope", "/also/nope"):
        http.get(srv.url + path)
    found = samples(srv)

    def delta(method: str, route: str, status: str) -> float:
        return requests_total(found, method, route, status) - requests_total(
            before, method, route, status
        )

    assert delta("GET", "/health/live", "200") == 12
    assert delta("GET", "/users/{user_id}", "401") == 3
    assert delta("GET", "unmatched", "404") == 2
    assert delta("GET", "/metrics", "200") == 1
    routes = {dict(labels).get("route") for (_, labels) in found}
    assert "/users/1" not in routes and "/nope" not in routes
    duration = (
        "http_request_duration_seconds_count",
        (("method", "GET"), ("route", "/health/live")),
    )
    assert found[duration] - before[duration] == 12
    # Tallied durations reach the histogram's buckets and sum (middleware/metrics.py
    # RequestTallies writes prometheus-client's Histogram internals: this fails if they change).
    live = (("method", "GET"), ("route", "/health/live"))
    every = ("http_request_duration_seconds_bucket", (("le", "+Inf"), *live))
    fast = ("http_request_duration_seconds_bucket", (("le", "5.0"), *live))
    total = ("http_request_duration_seconds_sum", live)
    assert found[every] - before[every] == 12 and found[fast] - before[fast] == 12
    assert 0 < found[total] - before[total] < 12 * 5.0
    assert ("db_pool_connections", ()) in found and ("db_pool_idle_connections", ()) in found
    assert found[("db_pool_connections", ())] >= 2  # both workers' pools (DB_POOL_SIZE=2 each)


def test_rate_limit_rejections_are_counted(start_server: StartServer) -> None:
    srv = start_server(RATE_LIMIT_PER_MINUTE="1", fresh=True)
    for _ in range(3):
        http.get(srv.url + "/users/5")
    found = samples(srv)
    assert found[("rate_limit_rejections_total", (("route", "/users/{user_id}"),))] == 2
    assert requests_total(found, "GET", "/users/{user_id}", "429") == 2


def test_metrics_can_be_disabled(start_server: StartServer) -> None:
    srv = start_server(METRICS_ENABLED="false")
    assert http.get(srv.url + "/metrics").status_code == 404


def test_metrics_restricted_by_network_and_token(start_server: StartServer) -> None:
    elsewhere = start_server(METRICS_ALLOWED_NETWORKS="10.0.0.0/8")
    assert http.get(elsewhere.url + "/metrics").status_code == 403
    with_token = start_server(METRICS_TOKEN="scrape-token-123")
    assert http.get(with_token.url + "/metrics").status_code == 403
    wrong = {"Authorization": "Bearer nope"}
    assert http.get(with_token.url + "/metrics", headers=wrong).status_code == 403
    right = {"Authorization": "Bearer scrape-token-123"}
    assert http.get(with_token.url + "/metrics", headers=right).status_code == 200


def test_user_traffic_is_labelled_by_template(server: Server) -> None:
    account = register(server.url)
    http.get(f"{server.url}/users/{account.id}", headers=account.headers)
    found = samples(server)
    assert requests_total(found, "GET", "/users/{user_id}", "200") >= 1
    assert requests_total(found, "POST", "/users", "201") >= 1
