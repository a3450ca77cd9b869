"""What the log says about failures: the exception's type, SQLSTATE and request id, never the
database's text (its DETAIL quotes the row); a traceback at most once a minute per type; and
whole JSON lines, even when several workers write long ones to one pipe."""

import asyncio
import json
import sys

import pytest

from tests import http
from tests.accounts import register
from tests.conftest import Database, StartServer
from tests.probe_routes import ROW_SECRET

PROBE = [sys.executable, "-m", "scripts.serve", "tests.probe_app:app"]


def log_events(log: str, event: str) -> list[dict]:
    found = []
    for line in log.splitlines():
        if line.startswith("{") and f'"event":"{event}"' in line:
            found.append(json.loads(line))
    return found


def test_an_unexpected_database_error_is_logged_without_its_text(start_server: StartServer) -> None:
    srv = start_server(PROBE, fresh=True)
    ids = []
    for i in range(3):
        rid = f"db-secret-{i}"
        response = http.post(srv.url + "/probe/database-secret", headers={"X-Request-ID": rid})
        assert response.status_code == 500
        assert ROW_SECRET not in response.text and "Failing row" not in response.text
        ids.append(rid)
    log = srv.wait_for_log(ids[-1])
    errors = log_events(log, "unhandled_exception")
    assert [e["request_id"] for e in errors] == ids  # once per request
    for entry in errors:
        assert entry["error"] == "asyncpg.exceptions.RaiseError" and entry["sqlstate"] == "P0001"
        assert entry["path"] == "/probe/database-secret"
    assert sum("traceback" in e for e in errors) == 1  # once per interval per type
    assert ROW_SECRET not in log and "Failing row" not in log


def test_a_null_the_model_missed_is_422_and_logged_without_the_row(
    start_server: StartServer, db: Database
) -> None:
    srv = start_server(PROBE, fresh=True)
    account = register(srv.url)
    password_hash = db.fetchval("SELECT password_hash FROM users WHERE id = $1", account.id)
    response = http.post(f"{srv.url}/probe/null-name/{account.id}")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "name"]
    log = srv.wait_for_log("database_refused_input")
    [entry] = log_events(log, "database_refused_input")
    assert entry["sqlstate"] == "23502" and entry["column"] == "name"
    assert password_hash not in log and "Failing row" not in log
    assert db.fetchval("SELECT name FROM users WHERE id = $1", account.id) == "Test User"


@pytest.mark.slow
def test_long_lines_of_two_workers_never_interleave(start_server: StartServer) -> None:
    srv = start_server(PROBE, pipe=True, WORKERS="2")

    async def burst() -> None:
        async with http.AsyncClient(base_url=srv.url, timeout=30) as client:
            sizes = [3500, 600, 12000] * 100
            responses = await asyncio.gather(
                *(client.post(f"/probe/long-line?size={size}") for size in sizes)
            )
            assert {r.status_code for r in responses} == {200}

    asyncio.run(burst())
    srv.wait_for_log('"path":"/probe/long-line"')
    srv.stop()  # everything flushed
    lines = [line for line in srv.log.split("\n") if line and not line.startswith("[")]
    parsed = [json.loads(line) for line in lines]  # fails on any mixed-up line
    long_lines = [p for p in parsed if p.get("event") == "probe_long_line"]
    assert len(long_lines) == 300
    assert sum(bool(p.get("truncated")) for p in long_lines) == 100  # the 12000-byte ones
    assert max(len(line.encode()) for line in lines) < 4096
