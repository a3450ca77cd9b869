"""A revoked session stays revoked: no race with a refresh, no Redis data loss brings it back.
PostgreSQL decides (sessions.revoked_at); Redis is the fast path in front of it."""

import asyncio
import time

import httpx
import redis

from tests import http
from tests.accounts import PASSWORD, Account, login, register
from tests.conftest import Database, StartServer
from tests.server import Server


def me_status(url: str, access_token: str) -> int:
    headers = {"Authorization": f"Bearer {access_token}"}
    return http.get(url + "/users/me", headers=headers).status_code


def refresh_status(url: str, refresh_token: str) -> int:
    return http.post(url + "/auth/refresh", json={"refresh_token": refresh_token}).status_code


async def logout_and_refresh_at_once(url: str, pair: dict[str, str]) -> list[httpx.Response]:
    async with http.AsyncClient(base_url=url, timeout=30) as client:
        logout = client.post(
            "/auth/logout", headers={"Authorization": f"Bearer {pair['access_token']}"}
        )
        refresh = client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        return list(await asyncio.gather(logout, refresh))


def test_a_logout_racing_a_refresh_leaves_no_live_token(start_server: StartServer) -> None:
    srv = start_server(WORKERS="2")
    account = register(srv.url)
    for _ in range(50):
        pair = login(srv.url, account.email).json()
        logout, refresh = asyncio.run(logout_and_refresh_at_once(srv.url, pair))
        assert logout.status_code == 204
        assert me_status(srv.url, pair["access_token"]) == 401
        if refresh.status_code == 200:  # the refresh got in first: what it minted must be dead
            minted = refresh.json()
            assert me_status(srv.url, minted["access_token"]) == 401
            assert refresh_status(srv.url, minted["refresh_token"]) == 401
        else:
            assert refresh.status_code == 401


def test_every_session_ends_with_a_password_change_or_deactivation_however_concurrent(
    start_server: StartServer, db: Database
) -> None:
    srv = start_server(WORKERS="2")
    account = register(srv.url)

    async def change_password_while_logging_in() -> list[httpx.Response]:
        async with http.AsyncClient(base_url=srv.url, timeout=30) as client:
            change = client.patch(
                "/users/me",
                json={"password": "Brand-new-pass-1", "current_password": PASSWORD},
                headers=account.headers,
            )
            logins = [
                client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
                for _ in range(5)
            ]
            return list(await asyncio.gather(change, *logins))

    change, *logins = asyncio.run(change_password_while_logging_in())
    assert change.status_code == 200
    for response in logins:  # a login with the old password either failed or was ended
        if response.status_code == 200:
            assert me_status(srv.url, response.json()["access_token"]) == 401
    live = db.fetchval(
        "SELECT count(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NULL", account.id
    )
    assert live == 1  # the session that changed the password, and no other


def test_flushed_redis_keys_do_not_revive_a_logged_out_token(
    server: Server, user: Account, redis_client: redis.Redis, key_prefix: str
) -> None:
    other = register(server.url)
    assert http.post(server.url + "/auth/logout", headers=user.headers).status_code == 204
    assert me_status(server.url, user.access_token) == 401
    keys = list(redis_client.scan_iter(match=f"{key_prefix}*"))
    assert keys
    redis_client.delete(*keys)  # what a restart without persistence or a failover does
    assert me_status(server.url, user.access_token) == 401
    assert me_status(server.url, other.access_token) == 200


def test_the_reconcile_logs_only_what_it_restored(
    start_server: StartServer, redis_client: redis.Redis, key_prefix: str
) -> None:
    """An idle server's reconcile (every RECONCILE_INTERVAL) says nothing at INFO; one that
    writes back a revocation Redis lost says so."""
    # A key prefix of its own: the suite's other servers reconcile the shared one every 30 s,
    # and their locks would keep this server's reconcile from running.
    prefix = f"{key_prefix}reconcile:"
    srv = start_server(
        CONTAINER_OVERRIDES="tests.overrides:fast_reconcile", REDIS_KEY_PREFIX=prefix, fresh=True
    )
    account = register(srv.url)
    assert http.post(srv.url + "/auth/logout", headers=account.headers).status_code == 204
    time.sleep(3.5)  # three reconciles
    idle = [line for line in srv.log.splitlines() if "revocation_denylist_rebuilt" in line]
    assert len(idle) <= 1, idle  # the first start's, writing the marker; no reconcile's
    (lost,) = redis_client.keys(f"{prefix}revoked-session:*")
    redis_client.delete(lost)
    srv.wait_for_log('"restored":1', timeout=15)
    assert redis_client.exists(lost)
