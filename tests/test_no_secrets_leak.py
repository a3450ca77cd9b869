"""Passwords, their hashes and refresh tokens never appear in a log line or a response body
(a refresh token only in the one response that issues it). The server runs at DEBUG, the
chattiest level, through every flow that handles them, including the failing ones."""

import httpx

from tests import http
from tests.accounts import PASSWORD, login, register
from tests.conftest import Database, StartServer

NEW_PASSWORD = "Second-secret-7"
WRONG_PASSWORD = "Wrong-secret-3"


def test_no_secret_in_logs_or_responses(start_server: StartServer, db: Database) -> None:
    srv = start_server(LOG_LEVEL="DEBUG", fresh=True)
    bodies: list[tuple[str, set[str]]] = []  # (body, refresh tokens it may contain)

    def record(response: httpx.Response) -> httpx.Response:
        issued = set()
        if response.headers.get("content-type", "").startswith("application/json"):
            body = response.json()
            if isinstance(body, dict) and "refresh_token" in body:
                issued.add(body["refresh_token"])
        bodies.append((response.text, issued))
        return response

    account = register(srv.url)
    refresh_tokens = {account.refresh_token}
    record(
        http.post(
            srv.url + "/users", json={"name": "Dup", "email": account.email, "password": PASSWORD}
        )
    )
    record(
        http.post(
            srv.url + "/users",
            json={"name": "Weak", "email": "w@example.com", "password": "weakpass"},
        )
    )
    record(login(srv.url, account.email, WRONG_PASSWORD))
    record(login(srv.url, "nobody@example.com", PASSWORD))
    record(
        http.post(
            srv.url + "/auth/login", data={"username": account.email, "password": WRONG_PASSWORD}
        )
    )
    pair = record(login(srv.url, account.email)).json()
    refresh_tokens.add(pair["refresh_token"])
    rotated = record(
        http.post(srv.url + "/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    ).json()
    refresh_tokens.add(rotated["refresh_token"])
    record(http.post(srv.url + "/auth/refresh", json={"refresh_token": pair["refresh_token"]}))
    headers = {"Authorization": f"Bearer {account.access_token}"}
    for current in (WRONG_PASSWORD, PASSWORD):
        change = {"password": NEW_PASSWORD, "current_password": current}
        record(http.patch(srv.url + "/users/me", headers=headers, json=change))
    record(http.get(srv.url + "/users/me", headers=headers))
    record(http.post(srv.url + "/auth/logout", headers=headers))

    hashes = {r["password_hash"] for r in db.fetch("SELECT password_hash FROM users")}
    passwords = {PASSWORD, NEW_PASSWORD, WRONG_PASSWORD, "weakpass"}
    srv.wait_for_log('"path":"/auth/logout"')
    log = srv.log
    assert log.count('"event":"request"') >= len(bodies)  # the log did capture the traffic
    for secret in passwords | hashes | refresh_tokens:
        assert secret not in log, "a secret reached the server log"
    for body, issued_here in bodies:
        for secret in passwords | hashes | (refresh_tokens - issued_here):
            assert secret not in body, "a secret reached a response body"
