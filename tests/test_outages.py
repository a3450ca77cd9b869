"""PostgreSQL and Redis stopped, frozen and restarted under a running app: requests that need
them get a 503 problem with Retry-After within the configured timeouts, the rest keeps
working, and everything recovers by itself. Each test owns the servers it breaks
(tests/backends.py)."""

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from scripts.migrate import migrate
from tests import http
from tests.accounts import Account, login, register
from tests.backends import PrivatePostgres, PrivateRedis
from tests.conftest import StartServer
from tests.server import Server

pytestmark = [pytest.mark.slow, pytest.mark.no_backing]

TIMEOUTS = {
    "DB_ACQUIRE_TIMEOUT": "1",
    "DB_COMMAND_TIMEOUT": "1",
    "REDIS_SOCKET_TIMEOUT": "1",
    "HEALTH_TIMEOUT": "0.5",
    "DB_POOL_SIZE": "2",
    "DB_MAX_OVERFLOW": "2",
}
BOUND = 2.5  # seconds: a timeout of 1 s, plus what the machine needs around it
REDIS_BOUND = 1.7  # one REDIS_SOCKET_TIMEOUT per request, whatever the Redis steps in it


@pytest.fixture(scope="session")
def postgres_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivatePostgres]:
    """One initdb and migration per session; each test gets a copy of the data."""
    pg = PrivatePostgres(tmp_path_factory.mktemp("pg-template")).init().start()
    migrate(pg.url)
    pg.stop()
    yield pg


@pytest.fixture
def postgres(postgres_template: PrivatePostgres, tmp_path: Path) -> Iterator[PrivatePostgres]:
    pg = postgres_template.copy_to(tmp_path / "pg").start()
    yield pg
    pg.stop()


@pytest.fixture
def valkey(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "valkey").start()
    yield server
    server.stop()


@pytest.fixture
def app(start_server: StartServer, postgres: PrivatePostgres, valkey: PrivateRedis) -> Server:
    return start_server(DATABASE_URL=postgres.url, REDIS_URL=valkey.url, fresh=True, **TIMEOUTS)


def timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0


def eventually(check: Callable[[], bool], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("did not recover")


def burst(url: str, headers: dict[str, str], count: int = 12) -> list[tuple[int, float]]:
    async def one(client: httpx.AsyncClient) -> tuple[int, float]:
        started = time.monotonic()
        response = await client.get("/users/me", headers=headers)
        return response.status_code, time.monotonic() - started

    async def run() -> list[tuple[int, float]]:
        async with http.AsyncClient(base_url=url, timeout=30) as client:
            return await asyncio.gather(*(one(client) for _ in range(count)))

    return asyncio.run(run())


def me(app: Server, account: Account) -> httpx.Response:
    return http.get(app.url + "/users/me", headers=account.headers, timeout=30)


def test_postgres_stopped_is_503_and_recovers(app: Server, postgres: PrivatePostgres) -> None:
    account = register(app.url)
    postgres.stop()
    for call in (
        lambda: me(app, account),
        lambda: login(app.url, account.email),
        lambda: http.post(
            app.url + "/users",
            timeout=30,
            json={"name": "N", "email": "n@example.com", "password": "Good-pass-1"},
        ),
    ):
        response, took = timed(call)
        unavailable(response)
        assert took < BOUND, took
    health, took = timed(lambda: http.get(app.url + "/health", timeout=30))
    assert health.status_code == 503 and health.json()["database"].startswith("unhealthy")
    assert took < BOUND
    assert http.get(app.url + "/health/live").status_code == 200
    postgres.start()
    eventually(lambda: me(app, account).status_code == 200)
    assert http.get(app.url + "/health").status_code == 200


def test_postgres_frozen_answers_within_the_timeouts(
    app: Server, postgres: PrivatePostgres
) -> None:
    account = register(app.url)
    postgres.freeze()
    try:
        health, took = timed(lambda: http.get(app.url + "/health", timeout=30))
        assert health.status_code == 503 and took < 1.5, took  # HEALTH_TIMEOUT is 0.5 s
        results = burst(app.url, account.headers)  # more requests than pool connections
        assert {status for status, _ in results} == {503}, results
        assert max(took for _, took in results) < 2 * BOUND, results  # acquire, then statement
        assert http.get(app.url + "/health/live", timeout=5).status_code == 200
    finally:
        postgres.thaw()
    eventually(lambda: me(app, account).status_code == 200)


def test_redis_frozen_answers_within_the_socket_timeout(app: Server, valkey: PrivateRedis) -> None:
    account = register(app.url)
    valkey.freeze()
    try:
        results = burst(app.url, account.headers)
        assert {status for status, _ in results} == {503}, results  # revocation can't be checked
        assert max(took for _, took in results) < REDIS_BOUND, results
        new_user = {"name": "N", "email": "n@example.com", "password": "Good-pass-1"}
        signup, took = timed(lambda: http.post(app.url + "/users", json=new_user, timeout=30))
        assert signup.status_code == 201 and took < REDIS_BOUND  # the rate limiter fails open
        health, took = timed(lambda: http.get(app.url + "/health", timeout=30))
        assert health.status_code == 503 and health.json()["redis"].startswith("unhealthy")
        assert took < 1.5
    finally:
        valkey.thaw()
    eventually(lambda: me(app, account).status_code == 200)


def test_redis_stopped_is_503_for_token_checks_and_recovers(
    app: Server, valkey: PrivateRedis
) -> None:
    account = register(app.url)
    valkey.stop()
    response, took = timed(lambda: me(app, account))
    unavailable(response)
    assert took < BOUND
    valkey.start()
    eventually(lambda: me(app, account).status_code == 200)


def test_a_redis_that_lost_its_data_does_not_revive_a_logged_out_token(
    app: Server, valkey: PrivateRedis
) -> None:
    gone, kept = register(app.url), register(app.url)
    assert http.post(app.url + "/auth/logout", headers=gone.headers).status_code == 204
    assert me(app, gone).status_code == 401
    valkey.stop()
    valkey.start()  # no persistence: the denylist is gone
    client = redis.Redis.from_url(valkey.url)
    assert client.dbsize() == 0
    eventually(lambda: me(app, kept).status_code == 200)
    assert me(app, gone).status_code == 401  # PostgreSQL still knows
    eventually(lambda: bool(client.keys("*revocations-loaded")))  # and Redis is told again
    assert me(app, gone).status_code == 401
