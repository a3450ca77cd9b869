"""GET /health (readiness) and GET /health/live (liveness)."""

import uuid
from datetime import datetime

import httpx

from tests import http
from tests.backends import PrivateRedis
from tests.conftest import Database, StartServer, with_path


def test_health_reports_both_dependencies(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "timestamp", "version", "database", "redis"}
    assert body["status"] == "healthy"
    assert body["database"] == "healthy"
    assert body["redis"] == "healthy"
    assert body["version"] == "0.1.0"
    assert datetime.fromisoformat(body["timestamp"]).tzinfo is not None


def test_redis_down_gives_503_naming_redis_while_liveness_stays_200(
    start_server: StartServer, own_redis: PrivateRedis
) -> None:
    srv = start_server(REDIS_URL=own_redis.url, HEALTH_TIMEOUT="0.5", fresh=True)
    own_redis.stop()
    response = http.get(srv.url + "/health", timeout=5)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["database"] == "healthy"
    assert body["redis"].startswith("unhealthy")
    live = http.get(srv.url + "/health/live", timeout=5)
    assert live.status_code == 200
    assert live.json() == {"status": "alive"}


def test_database_down_gives_503_naming_database(
    start_server: StartServer, db: Database, database_url: str
) -> None:
    name = f"health_probe_{uuid.uuid4().hex[:8]}"
    db.execute(f'CREATE DATABASE "{name}"')
    try:
        srv = start_server(
            DATABASE_URL=with_path(database_url, f"/{name}"),
            HEALTH_TIMEOUT="0.5",
            DB_POOL_SIZE="1",
            fresh=True,
        )
        assert http.get(srv.url + "/health", timeout=5).status_code == 200
        # Take the database away under the running server.
        db.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        response = http.get(srv.url + "/health", timeout=5)
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unhealthy"
        assert body["database"].startswith("unhealthy")
        assert body["redis"] == "healthy"
    finally:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
