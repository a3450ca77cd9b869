"""One error shape from one place, at every log level (the probe app adds routes that fail)."""

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests import http
from tests.accounts import register
from tests.conftest import clean_environ
from tests.forkserver import Forkserver
from tests.probe_routes import LEAKY_MESSAGE, SIDE_EFFECT_KEY
from tests.server import Server

PROBE = [sys.executable, "-m", "scripts.serve", "tests.probe_app:app"]
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


@pytest.fixture(scope="module", params=["DEBUG", "INFO", "WARNING", "ERROR"])
def probe(
    request: pytest.FixtureRequest,
    app_env: dict[str, str],
    _logs_dir: Path,
    forkserver: Forkserver,
) -> Iterator[Server]:
    level = request.param
    env = {**clean_environ(), **app_env, "LOG_LEVEL": level}
    srv = Server(env, _logs_dir / f"probe-{level}.log", PROBE, forkserver=forkserver).start()
    yield srv
    srv.stop()


def problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert PROBLEM_KEYS <= set(body)
    assert body["status"] == status
    return body


def test_validation_failure_is_422_with_field_errors(probe: Server) -> None:
    response = http.post(probe.url + "/probe/items", json={"name": "", "quantity": 0})
    body = problem(response, 422)
    assert body["instance"] == "/probe/items"
    locations = {tuple(err["loc"]) for err in body["errors"]}
    assert locations == {("body", "name"), ("body", "quantity")}
    assert all(err["msg"] for err in body["errors"])


def test_body_of_the_wrong_json_type_is_422(probe: Server) -> None:
    problem(http.post(probe.url + "/probe/items", json=[1, 2]), 422)


def test_malformed_json_is_400(probe: Server) -> None:
    response = http.post(
        probe.url + "/probe/items",
        content=b'{"name": "x",',
        headers={"content-type": "application/json"},
    )
    assert "JSON" in problem(response, 400)["detail"]


def test_query_parameter_of_the_wrong_type_is_422(probe: Server) -> None:
    body = problem(http.get(probe.url + "/probe/search?limit=many"), 422)
    assert body["errors"][0]["loc"] == ["query", "limit"]


def test_valid_requests_pass(probe: Server) -> None:
    created = http.post(probe.url + "/probe/items", json={"name": "pen", "quantity": 2})
    assert created.status_code == 201
    assert created.json() == {"name": "pen", "quantity": 2, "tags": None}
    assert http.get(probe.url + "/probe/search?limit=3").json() == {"limit": 3, "flag": None}


def test_path_parameter_comes_from_the_path_not_the_query(probe: Server) -> None:
    response = http.get(probe.url + "/probe/items/5?item_id=999")
    assert response.json() == {"item_id": 5}
    problem(http.get(probe.url + "/probe/items/five"), 422)


def test_unknown_path_is_404_for_everyone(probe: Server) -> None:
    body = problem(http.get(probe.url + "/no/such/thing"), 404)
    assert body["instance"] == "/no/such/thing"
    account = register(probe.url)
    problem(http.get(probe.url + "/no/such/thing", headers=account.headers), 404)
    problem(http.get(probe.url + "/users/me"), 401)  # a protected route still needs a token


def test_wrong_method_is_405_with_allow(probe: Server) -> None:
    response = http.delete(probe.url + "/health")
    problem(response, 405)
    assert response.headers["allow"] == "GET, HEAD"


def test_unhandled_exception_is_a_generic_500_and_runs_once(
    probe: Server, redis_client: redis.Redis, key_prefix: str
) -> None:
    counter = key_prefix + SIDE_EFFECT_KEY
    response = http.post(probe.url + "/probe/fail")
    body = problem(response, 500)
    assert LEAKY_MESSAGE not in response.text
    assert "RuntimeError" not in response.text
    assert body["detail"] == "An unexpected error occurred."
    assert redis_client.get(counter) == "1"  # Velithon alone would have run it twice
    log = probe.wait_for_log('"event":"request"')
    assert "Traceback" in log and "RuntimeError" in log


def test_access_line_has_the_route_template(probe: Server) -> None:
    rid = "probe-route-template"
    http.get(probe.url + "/probe/items/7", headers={"x-request-id": rid})
    probe.wait_for_log(rid)
    lines = [json.loads(x) for x in probe.log.split("\n") if rid in x and x.startswith("{")]
    assert lines[0]["route"] == "/probe/items/{item_id}"
    assert lines[0]["status"] == 200


def test_body_over_velithons_read_limit_is_413(probe: Server) -> None:
    response = http.post(
        probe.url + "/probe/items",
        content=b" " * (16 * 1024 * 1024 + 1),
        headers={"content-type": "application/json"},
        timeout=30,
    )
    problem(response, 413)
