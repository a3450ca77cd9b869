"""The order in main.py, proven by its consequences: requests refused inside the stack still
get the outer layers' work (security headers, request id, metrics, access line)."""

import json

from prometheus_client.parser import text_string_to_metric_families

from tests import http
from tests.accounts import register
from tests.conftest import StartServer
from tests.server import Server


def counted(server: Server, route: str, status: str) -> float:
    text = server.metrics().text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if (
                sample.name == "http_requests_total"
                and labels.get("route") == route
                and labels.get("status") == status
            ):
                return sample.value
    return 0.0


def access_line(server: Server, request_id: str) -> dict:
    server.wait_for_log(request_id)
    for line in server.log.split("\n"):
        if request_id in line and '"event":"request"' in line:
            return json.loads(line)
    raise AssertionError(request_id)


def test_401_and_429_get_headers_request_id_metrics_and_a_log_line(
    start_server: StartServer,
) -> None:
    srv = start_server(RATE_LIMIT_PER_MINUTE="1", fresh=True)
    first = http.get(srv.url + "/users/42", headers={"X-Request-ID": "order-401"})
    second = http.get(srv.url + "/users/42", headers={"X-Request-ID": "order-429"})
    assert (first.status_code, second.status_code) == (401, 429)
    for response, rid in ((first, "order-401"), (second, "order-429")):
        assert response.headers["x-request-id"] == rid
        assert response.headers["x-frame-options"] == "DENY"
        assert "content-security-policy" in response.headers
        line = access_line(srv, rid)
        assert line["route"] == "/users/{user_id}" and line["path"] == "/users/42"
    assert counted(srv, "/users/{user_id}", "401") == 1
    assert counted(srv, "/users/{user_id}", "429") == 1


def test_access_line_has_client_and_user_but_no_credentials(server: Server) -> None:
    account = register(server.url)
    rid = "order-user-line"
    headers = {**account.headers, "X-Request-ID": rid, "Cookie": "refresh_token=cookie-secret"}
    http.get(server.url + "/users/me", headers=headers)
    line = access_line(server, rid)
    assert line["user_id"] == str(account.id)
    assert line["client_ip"] == "127.0.0.1"
    assert set(line) == {
        "timestamp",
        "level",
        "event",
        "request_id",
        "method",
        "route",
        "path",
        "status",
        "duration_ms",
        "client_ip",
        "user_id",
    }
    assert account.access_token not in server.log and "cookie-secret" not in server.log


def test_forwarded_for_is_believed_only_from_trusted_proxies(
    server: Server, start_server: StartServer
) -> None:
    spoofed = {"X-Forwarded-For": "203.0.113.9", "X-Request-ID": "xff-untrusted"}
    http.get(server.url + "/openapi.json", headers=spoofed)
    assert access_line(server, "xff-untrusted")["client_ip"] == "127.0.0.1"
    behind_proxy = start_server(TRUSTED_PROXIES="127.0.0.0/8")
    chain = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9, 127.0.0.5", "X-Request-ID": "xff"}
    http.get(behind_proxy.url + "/openapi.json", headers=chain)
    # Right to left, skipping trusted proxies: the first untrusted hop is the client.
    assert access_line(behind_proxy, "xff")["client_ip"] == "203.0.113.9"
