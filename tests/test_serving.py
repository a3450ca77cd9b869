"""The ways the project starts the server all serve the app, on uvloop, with N workers."""

import sys
from pathlib import Path

import httpx

from tests.conftest import StartServer

VENV_BIN = Path(sys.executable).parent


def test_workers_2_serves_from_both(start_server: StartServer) -> None:
    srv = start_server(WORKERS="2")
    assert all(httpx.get(srv.url + "/health").status_code == 200 for _ in range(20))
    log = srv.wait_for_log("worker_started")
    assert log.count('"event":"worker_started"') == 2


def test_velithon_cli_serves_the_app(start_server: StartServer) -> None:
    command = [
        str(VENV_BIN / "velithon"), "run", "--app", "main:app", "--loop", "uvloop",
        "--host", "127.0.0.1", "--port", "{port}",
    ]  # fmt: skip
    srv = start_server(command)
    assert httpx.get(srv.url + "/health").json()["status"] == "healthy"


def test_granian_cli_serves_the_app(start_server: StartServer) -> None:
    command = [
        str(VENV_BIN / "granian"), "--interface", "rsgi", "--loop", "uvloop",
        "--host", "127.0.0.1", "--port", "{port}", "main:app",
    ]  # fmt: skip
    srv = start_server(command)
    assert httpx.get(srv.url + "/health").json()["status"] == "healthy"


def test_static_files_are_served(client: httpx.Client) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert "font-family" in response.text
    for escape in ("/static/../config.py", "/static/%2e%2e/config.py"):
        response = client.get(escape)
        assert response.status_code in (401, 404) and "BaseSettings" not in response.text


def test_workers_run_on_uvloop(start_server: StartServer) -> None:
    srv = start_server()
    srv.wait_for_log("worker_started")
    assert '"loop":"uvloop"' in srv.log


def test_home_page_is_rendered_from_templates(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Velithon Service</h1>" in response.text
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
