"""Every documented way to start the server serves the same app, on uvloop, with N workers;
Velithon's and granian's default loop (rloop) is refused with one line."""

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from config import PROJECT_NAME
from tests import http
from tests.accounts import register
from tests.conftest import StartServer, clean_environ
from tests.server import ROOT, Server, free_port

VENV_BIN = Path(sys.executable).parent
VELITHON = [
    str(VENV_BIN / "velithon"),
    "run",
    "--app",
    "main:app",
    "--host",
    "127.0.0.1",
    "--port",
    "{port}",
    "--workers",
    "2",
]
GRANIAN = [
    str(VENV_BIN / "granian"),
    "--interface",
    "rsgi",
    "--host",
    "127.0.0.1",
    "--port",
    "{port}",
    "--workers",
    "2",
    "main:app",
]
UVLOOP = ["--loop", "uvloop"]
LAUNCHERS = {"velithon run": VELITHON + UVLOOP, "granian": GRANIAN[:-1] + UVLOOP + GRANIAN[-1:]}


def live_requests(srv: Server) -> float:
    total = 0.0
    for family in text_string_to_metric_families(srv.metrics().text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "http_requests_total" and labels.get("route") == "/users/me":
                total += sample.value
    return total


@pytest.mark.slow
@pytest.mark.parametrize("launcher", sorted(LAUNCHERS))
def test_each_launcher_serves_the_same_app(start_server: StartServer, launcher: str) -> None:
    srv = start_server(LAUNCHERS[launcher])
    static = http.get(srv.url + "/static/style.css")
    assert static.status_code == 200 and static.headers["x-content-type-options"] == "nosniff"
    for asset in ("/static/style.css", "/static/docs.js", "/docs/assets/swagger-ui-bundle.js"):
        cached = http.get(srv.url + asset)
        assert cached.status_code == 200 and cached.headers["etag"], asset
        assert cached.headers["cache-control"] == "public, max-age=3600", asset
    account = register(srv.url)
    for _ in range(20):  # spread over both workers
        assert http.get(srv.url + "/users/me", headers=account.headers).status_code == 200
    srv.wait_for_log("worker_started")
    assert srv.log.count('"event":"worker_started"') == 2
    assert live_requests(srv) == 20  # both workers' counts, whichever answers the scrape
    assert live_requests(srv) == 20


@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["velithon run", "granian"])
def test_the_default_loop_is_refused_in_one_line(app_env: dict[str, str], launcher: str) -> None:
    command = VELITHON if launcher == "velithon run" else GRANIAN
    command = [arg.replace("{port}", str(free_port())) for arg in command]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env={**clean_environ(), **app_env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "the event loop is rloop" in output and "--loop uvloop" in output
    assert "Traceback" not in output


def test_workers_2_serves_from_both(start_server: StartServer) -> None:
    srv = start_server(WORKERS="2")
    assert all(http.get(srv.url + "/health").status_code == 200 for _ in range(20))
    log = srv.wait_for_log("worker_started")
    assert log.count('"event":"worker_started"') == 2


def test_static_files_are_served(client: httpx.Client) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert "font-family" in response.text
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=3600"
    escapes = (
        "/static/../config.py",
        "/static/%2e%2e/config.py",
        "/static/%2e%2e%2fmain.py",
        "/static//etc/passwd",
        "/static/.hidden",
        "/static/",
        "/static/css",
    )
    for escape in escapes:
        response = client.get(escape)
        assert response.status_code in (404, 422), escape
        assert "BaseSettings" not in response.text and "root:" not in response.text


def test_static_files_have_one_etag_on_every_worker_and_answer_304(
    start_server: StartServer,
) -> None:
    srv = start_server(WORKERS="2")
    etags = {http.get(srv.url + "/static/style.css").headers["etag"] for _ in range(12)}
    assert len(etags) == 1  # a content hash, not Python's per-process hash()
    again = http.get(srv.url + "/static/style.css", headers={"If-None-Match": etags.pop()})
    assert again.status_code == 304 and again.content == b""
    favicon = http.get(srv.url + "/favicon.ico")
    assert (
        favicon.status_code == 200 and favicon.headers["content-type"] == "image/vnd.microsoft.icon"
    )


def test_workers_run_on_uvloop(start_server: StartServer) -> None:
    srv = start_server()
    srv.wait_for_log("worker_started")
    assert '"loop":"uvloop"' in srv.log


def test_home_page_is_rendered_from_templates(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{PROJECT_NAME}</h1>" in response.text
    assert 'href="/static/style.css"' in response.text


def test_openapi_and_docs_are_served(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert "/health" in spec["paths"]
    assert "/" not in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_openapi_documents_auth_and_real_statuses(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes["oauth2"]["flows"]["password"]["tokenUrl"] == "/auth/login"
    me = spec["paths"]["/users/me"]
    assert set(me) == {"get", "patch"}  # both methods of one path survive
    assert {"bearerAuth": []} in me["get"]["security"]
    assert "security" not in spec["paths"]["/auth/login"]["post"]
    signup = spec["paths"]["/users"]["post"]["responses"]
    assert set(signup) == {"201", "400", "409", "413", "415", "422", "429", "503"}
    assert "application/problem+json" in signup["409"]["content"]
    assert "204" in spec["paths"]["/auth/logout"]["post"]["responses"]
    login_body = spec["paths"]["/auth/login"]["post"]["requestBody"]["content"]
    assert set(login_body) == {"application/json", "application/x-www-form-urlencoded"}
    operation_ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert "SecretStr" not in str(spec) and "secret_key" not in str(spec)
