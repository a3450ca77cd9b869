"""Request ids and the access log: one JSON line per request, Velithon's own line gone."""

import json

import httpx

from tests import http
from tests.accounts import Account
from tests.conftest import StartServer
from tests.server import Server


def access_lines(server: Server, request_id: str) -> list[dict]:
    server.wait_for_log(request_id)
    return [
        json.loads(line)
        for line in server.log.split("\n")
        if line.startswith("{") and request_id in line and '"event":"request"' in line
    ]


def test_valid_incoming_request_id_is_kept_and_echoed(client: httpx.Client, server: Server) -> None:
    rid = "abc-123.DEF:456"
    response = client.get("/openapi.json", headers={"X-Request-ID": rid})
    assert response.headers["x-request-id"] == rid
    [line] = access_lines(server, rid)
    assert line["method"] == "GET"
    assert line["route"] == "/openapi.json"
    assert line["path"] == "/openapi.json"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float | int)
    assert line["level"] == "info"


def test_invalid_incoming_request_id_is_replaced(client: httpx.Client) -> None:
    for bad in ("has space", "x" * 200, "semi;colon", "<script>"):
        response = client.get("/health/live", headers={"X-Request-ID": bad})
        echoed = response.headers["x-request-id"]
        assert echoed and echoed != bad


def test_request_id_is_generated_when_absent_and_unique(client: httpx.Client) -> None:
    ids = {client.get("/health/live").headers["x-request-id"] for _ in range(20)}
    assert len(ids) == 20


def test_errors_carry_the_request_id_and_are_logged_once(
    client: httpx.Client, server: Server, user: Account
) -> None:
    rid = "missing-page-id"
    response = client.get("/missing/page", headers={"X-Request-ID": rid, **user.headers})
    assert response.status_code == 404
    assert response.headers["x-request-id"] == rid
    [line] = access_lines(server, rid)
    assert line["status"] == 404
    assert line["route"] is None  # unmatched paths share one label


def test_velithon_does_not_log_its_own_access_line(client: httpx.Client, server: Server) -> None:
    rid = "no-duplicate-line"
    client.get("/openapi.json", headers={"X-Request-ID": rid})
    server.wait_for_log(rid)
    assert "Processed GET" not in server.log
    assert "Failed to parse parameter" not in server.log


def test_health_probes_are_logged_at_debug_only(
    client: httpx.Client, server: Server, start_server: StartServer
) -> None:
    client.get("/health/live", headers={"X-Request-ID": "probe-at-info"})
    client.get("/openapi.json", headers={"X-Request-ID": "after-the-probe"})
    server.wait_for_log("after-the-probe")
    assert "probe-at-info" not in server.log
    debug = start_server(LOG_LEVEL="DEBUG")
    http.get(debug.url + "/health/live", headers={"X-Request-ID": "probe-at-debug"})
    debug.wait_for_log("probe-at-debug")


def test_every_log_line_is_json(client: httpx.Client, server: Server) -> None:
    client.get("/openapi.json", headers={"X-Request-ID": "json-only"})
    server.wait_for_log("json-only")
    app_lines = [ln for ln in server.log.split("\n") if ln and not ln.startswith("[INFO]")]
    for line in app_lines:  # granian's own "[INFO] ..." start-up lines aside
        json.loads(line)
