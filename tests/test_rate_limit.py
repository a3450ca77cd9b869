"""Rate limiting: exact across workers and processes, per address and per user, headers,
exemptions, and what happens when Redis is away."""

import threading
from concurrent.futures import ThreadPoolExecutor

from redis import Redis

from tests import http
from tests.accounts import register
from tests.backends import PrivateRedis
from tests.conftest import StartServer

LIMIT = 5


def statuses(url: str, count: int, **kwargs: object) -> list[int]:
    return [http.get(url, **kwargs).status_code for _ in range(count)]  # type: ignore[arg-type]


def test_exact_across_two_workers(start_server: StartServer) -> None:
    srv = start_server(fresh=True, WORKERS="2", RATE_LIMIT_PER_MINUTE=str(LIMIT))
    results = statuses(srv.url + "/users/me", LIMIT + 7)
    assert results.count(429) == 7
    assert results[:LIMIT] == [401] * LIMIT  # allowed through to auth, which refuses them


def test_exact_across_two_server_processes(start_server: StartServer) -> None:
    first = start_server(fresh=True, RATE_LIMIT_PER_MINUTE=str(LIMIT))
    second = start_server(fresh=True, RATE_LIMIT_PER_MINUTE=str(LIMIT))
    results = [
        http.get((first if i % 2 else second).url + "/users/me").status_code
        for i in range(LIMIT + 6)
    ]
    assert results.count(429) == 6 and results.count(401) == LIMIT


def burst(base_url: str, path: str, clients: int, each: int) -> list[int]:
    """clients x each GETs of path, sent at once from already-open connections."""
    start = threading.Barrier(clients)

    def client() -> list[int]:
        with http.Client() as connection:
            connection.get(base_url + "/health/live")  # connect (never limited)
            start.wait()
            return [connection.get(base_url + path).status_code for _ in range(each)]

    with ThreadPoolExecutor(clients) as pool:
        return [
            status for batch in pool.map(lambda _: client(), range(clients)) for status in batch
        ]


def test_exact_under_concurrent_bursts(start_server: StartServer, own_redis: PrivateRedis) -> None:
    """Concurrent checks of a worker share one script call (services/batching.py), many of
    them for the same bucket; the count stays exact. A Redis of its own: its command counts
    are this server's alone, whatever else the suite runs meanwhile."""
    srv = start_server(fresh=True, WORKERS="2", RATE_LIMIT_PER_MINUTE="30", REDIS_URL=own_redis.url)
    redis_client = Redis.from_url(own_redis.url, decode_responses=True)
    calls_before = script_calls(redis_client)
    results = burst(srv.url, "/users/me", clients=40, each=3)
    assert results.count(401) == 30 and results.count(429) == 90
    assert script_calls(redis_client) - calls_before < 120  # some checks did share a call


def script_calls(client: Redis) -> int:
    stats = client.info("commandstats")
    return sum(
        int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in ("evalsha", "eval")
    )


def test_headers_on_allowed_and_refused_responses(start_server: StartServer) -> None:
    srv = start_server(fresh=True, RATE_LIMIT_PER_MINUTE="2")
    first = http.get(srv.url + "/users/me")
    assert first.headers["ratelimit-limit"] == "2"
    assert first.headers["ratelimit-remaining"] == "1"
    assert 1 <= int(first.headers["ratelimit-reset"]) <= 60
    http.get(srv.url + "/users/me")
    refused = http.get(srv.url + "/users/me", headers={"X-Request-ID": "limited-1"})
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["status"] == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["x-request-id"] == "limited-1"
    assert refused.headers["x-content-type-options"] == "nosniff"


def test_users_have_their_own_budget(start_server: StartServer) -> None:
    srv = start_server(fresh=True, RATE_LIMIT_PER_MINUTE="3", RATE_LIMIT_SIGNUP_PER_MINUTE="10")
    alice, bob = register(srv.url), register(srv.url)
    assert statuses(srv.url + "/users/me", 4, headers=alice.headers) == [200, 200, 200, 429]
    assert statuses(srv.url + "/users/me", 3, headers=bob.headers) == [200, 200, 200]
    # Anonymous requests from the same address have a budget of their own too.
    assert http.get(srv.url + "/users/me").status_code == 401


def test_a_forged_token_cannot_spend_someone_elses_budget(start_server: StartServer) -> None:
    srv = start_server(fresh=True, RATE_LIMIT_PER_MINUTE="3", RATE_LIMIT_SIGNUP_PER_MINUTE="10")
    victim = register(srv.url)
    head, body, _ = victim.access_token.split(".")
    forged = {"Authorization": f"Bearer {head}.{body}.forgedsignature"}
    assert statuses(srv.url + "/users/me", 4, headers=forged)[-1] == 429
    assert http.get(srv.url + "/users/me", headers=victim.headers).status_code == 200


def test_login_and_signup_have_stricter_limits(start_server: StartServer) -> None:
    srv = start_server(
        fresh=True, RATE_LIMIT_LOGIN_PER_MINUTE="2", RATE_LIMIT_SIGNUP_PER_MINUTE="2"
    )
    body = {"email": "nobody@example.com", "password": "Wrong-pass-1"}
    logins = [http.post(srv.url + "/auth/login", json=body).status_code for _ in range(3)]
    assert logins == [401, 401, 429]
    signups = [http.post(srv.url + "/users", json={}).status_code for _ in range(3)]
    assert signups == [422, 422, 429]
    assert http.get(srv.url + "/users/me").status_code == 401  # the default bucket is apart


def test_health_and_metrics_are_never_limited(start_server: StartServer) -> None:
    srv = start_server(fresh=True, RATE_LIMIT_PER_MINUTE="1")
    for path in ("/health/live", "/health", "/metrics"):
        assert 429 not in statuses(srv.url + path, 4)
        assert "ratelimit-limit" not in http.get(srv.url + path).headers


def test_redis_away_fails_open_by_default(
    start_server: StartServer, own_redis: PrivateRedis
) -> None:
    srv = start_server(fresh=True, REDIS_URL=own_redis.url, RATE_LIMIT_PER_MINUTE="1")
    own_redis.stop()
    signups = [
        http.post(
            srv.url + "/users",
            json={"name": "N", "email": f"n{i}@example.com", "password": "Good-pass-1"},
        ).status_code
        for i in range(3)
    ]
    assert signups == [201, 201, 201]
    log = srv.wait_for_log("rate_limit_backend_unavailable")
    assert log.count("rate_limit_backend_unavailable") == 1  # once per interval, not per request
    metrics = http.get(srv.url + "/metrics").text
    assert "rate_limit_backend_errors_total 3.0" in metrics


def test_redis_away_fails_closed_when_configured(
    start_server: StartServer, own_redis: PrivateRedis
) -> None:
    srv = start_server(fresh=True, REDIS_URL=own_redis.url, RATE_LIMIT_FAIL_OPEN="false")
    own_redis.stop()
    response = http.post(srv.url + "/users", json={})
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert http.get(srv.url + "/health/live").status_code == 200


def command_calls(client: Redis, *names: str) -> int:
    stats = client.info("commandstats")
    return sum(int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in names)


def test_large_limits_use_bounded_memory_and_stay_exact(
    start_server: StartServer, redis_client: Redis, key_prefix: str
) -> None:
    """Above 120 a minute a bucket is per-second counters, not a member per request."""
    srv = start_server(fresh=True, WORKERS="2", RATE_LIMIT_PER_MINUTE="150")
    results = burst(srv.url, "/users/me", clients=40, each=5)
    assert results.count(401) == 150 and results.count(429) == 50
    [bucket] = list(redis_client.scan_iter(match=f"{key_prefix}rate:*"))
    assert redis_client.type(bucket) == "hash"
    assert redis_client.hlen(bucket) <= 63 and redis_client.hget(bucket, "total") == "150"


def test_a_refused_bucket_is_refused_without_asking_redis_until_its_reset(
    start_server: StartServer, own_redis: PrivateRedis
) -> None:
    srv = start_server(fresh=True, RATE_LIMIT_PER_MINUTE="3", REDIS_URL=own_redis.url)
    redis_client = Redis.from_url(own_redis.url, decode_responses=True)
    assert statuses(srv.url + "/users/me", 4) == [401, 401, 401, 429]
    calls_before = script_calls(redis_client)
    refused = [http.get(srv.url + "/users/me") for _ in range(20)]
    assert {r.status_code for r in refused} == {429}
    assert script_calls(redis_client) == calls_before  # this worker remembered the reset
    assert all(1 <= int(r.headers["retry-after"]) <= 60 for r in refused)


def test_the_session_check_rides_with_the_rate_limit_check(
    start_server: StartServer, own_redis: PrivateRedis
) -> None:
    """One round trip for an authenticated request: the script also reads the session's
    denylist key, so the auth middleware needs no MGET of its own."""
    srv = start_server(fresh=True, RATE_LIMIT_PER_MINUTE="1000", REDIS_URL=own_redis.url)
    redis_client = Redis.from_url(own_redis.url, decode_responses=True)
    account = register(srv.url)
    before = command_calls(redis_client, "mget")
    assert statuses(srv.url + "/users/me", 10, headers=account.headers) == [200] * 10
    assert command_calls(redis_client, "mget") == before
    assert http.post(srv.url + "/auth/logout", headers=account.headers).status_code == 204
    assert http.get(srv.url + "/users/me", headers=account.headers).status_code == 401
