"""Login, access-token claims, refresh rotation with reuse detection, logout everywhere."""

import httpx
import jwt

from config import PROJECT_SLUG
from tests import http
from tests.accounts import PASSWORD, Account, login, register, sign_in
from tests.conftest import Database, StartServer
from tests.server import Server


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def refresh(server: Server, token: str) -> httpx.Response:
    return http.post(server.url + "/auth/refresh", json={"refresh_token": token})


def me(server: Server, access_token: str) -> int:
    headers = {"Authorization": f"Bearer {access_token}"}
    return http.get(server.url + "/users/me", headers=headers).status_code


def test_login_returns_a_token_pair_and_a_scoped_cookie(server: Server, user: Account) -> None:
    response = login(server.url, user.email)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    assert response.headers["cache-control"] == "no-store"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"refresh_token={body['refresh_token']};")
    for attribute in ("HttpOnly", "Path=/auth", "SameSite=strict"):
        assert attribute.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # only in production: see the next test


def test_the_cookie_is_secure_in_production(start_server: StartServer) -> None:
    srv = start_server(
        ENVIRONMENT="production", SECRET_KEY="s" * 48, SMTP_HOST="127.0.0.1", MAIL_DIR=""
    )
    account = register(srv.url)
    cookie = login(srv.url, account.email).headers["set-cookie"].lower()
    assert "; secure" in cookie and "httponly" in cookie and "path=/auth" in cookie


def test_login_accepts_the_oauth2_password_form(server: Server, user: Account) -> None:
    form = {"username": user.email, "password": user.password, "grant_type": "password"}
    response = http.post(server.url + "/auth/login", data=form)
    assert response.status_code == 200
    assert me(server, response.json()["access_token"]) == 200


def test_login_email_is_case_insensitive(server: Server, user: Account) -> None:
    assert login(server.url, user.email.upper()).status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(server: Server, user: Account) -> None:
    wrong = login(server.url, user.email, "Wrong-pass-1")
    unknown = login(server.url, "nobody@example.com", "Wrong-pass-1")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["www-authenticate"].startswith("Bearer")


def test_bad_login_bodies_are_422_or_400(server: Server) -> None:
    url = server.url + "/auth/login"
    assert http.post(url, json={"email": "a@b.c"}).status_code == 422
    assert http.post(url, json=["a"]).status_code == 422
    assert http.post(url, data={"username": "a@b.c"}).status_code == 422
    bad_json = http.post(url, content=b"{", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400


def test_password_hash_is_upgraded_when_parameters_change(
    start_server: StartServer, server: Server, db: Database, user: Account
) -> None:
    before = db.fetchval("SELECT password_hash FROM users WHERE id = $1", user.id)
    assert ",t=1," in before
    stronger = start_server(ARGON2_TIME_COST="2")
    assert login(stronger.url, user.email).status_code == 200
    after = db.fetchval("SELECT password_hash FROM users WHERE id = $1", user.id)
    assert ",t=2," in after and after != before
    assert login(server.url, user.email).status_code == 200  # still the same password


def test_access_token_claims(server: Server, user: Account) -> None:
    header = jwt.get_unverified_header(user.access_token)
    assert header["alg"] == "HS256"
    payload = claims(user.access_token)
    assert set(payload) == {"sub", "role", "sid", "ev", "iat", "nbf", "exp", "iss", "aud", "jti"}
    assert payload["sub"] == str(user.id) and payload["role"] == "user"
    assert payload["exp"] - payload["iat"] == 15 * 60 and payload["nbf"] == payload["iat"]
    assert payload["iss"] == PROJECT_SLUG and payload["aud"] == f"{PROJECT_SLUG}-api"
    again = sign_in(server.url, user.id, user.email)
    assert claims(again.access_token)["jti"] != payload["jti"]


def test_refresh_tokens_are_stored_only_as_hashes(db: Database, user: Account) -> None:
    rows = db.fetch("SELECT token_hash, session_id, expires_at FROM refresh_tokens")
    assert len(rows) == 1
    assert user.refresh_token.encode() not in bytes(rows[0]["token_hash"])
    assert len(bytes(rows[0]["token_hash"])) == 32  # SHA-256


def test_refresh_rotates_and_the_old_token_stops_working(server: Server, user: Account) -> None:
    first = refresh(server, user.refresh_token)
    assert first.status_code == 200
    pair = first.json()
    assert pair["refresh_token"] != user.refresh_token
    assert claims(pair["access_token"])["sid"] == claims(user.access_token)["sid"]
    assert me(server, pair["access_token"]) == 200
    second = refresh(server, pair["refresh_token"])
    assert second.status_code == 200


def test_reusing_a_refresh_token_revokes_its_whole_family(server: Server, user: Account) -> None:
    rotated = refresh(server, user.refresh_token).json()
    reuse = refresh(server, user.refresh_token)  # a thief (or the victim) replays the old one
    assert reuse.status_code == 401
    assert refresh(server, rotated["refresh_token"]).status_code == 401
    assert me(server, rotated["access_token"]) == 401
    assert me(server, user.access_token) == 401
    other_session = sign_in(server.url, user.id, user.email)  # a new login is unaffected
    assert me(server, other_session.access_token) == 200


def test_refresh_from_the_cookie(server: Server, user: Account) -> None:
    response = login(server.url, user.email)
    token = response.cookies["refresh_token"]
    renewed = http.post(server.url + "/auth/refresh", cookies={"refresh_token": token})
    assert renewed.status_code == 200
    assert renewed.cookies["refresh_token"] == renewed.json()["refresh_token"]


def test_bad_refresh_requests(server: Server, db: Database, user: Account) -> None:
    assert refresh(server, "not-a-token").status_code == 401
    assert http.post(server.url + "/auth/refresh").status_code == 401
    too_long = refresh(server, "x" * 1000)
    assert too_long.status_code == 422
    db.execute("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
    assert refresh(server, user.refresh_token).status_code == 401


def test_deactivated_user_cannot_refresh(server: Server, db: Database, user: Account) -> None:
    db.execute("UPDATE users SET is_active = false WHERE id = $1", user.id)
    assert refresh(server, user.refresh_token).status_code == 401
    assert login(server.url, user.email).status_code == 401


def test_logout_ends_the_session(server: Server, user: Account) -> None:
    response = http.post(server.url + "/auth/logout", headers=user.headers)
    assert response.status_code == 204
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert me(server, user.access_token) == 401
    assert refresh(server, user.refresh_token).status_code == 401
    assert http.post(server.url + "/auth/logout", headers=user.headers).status_code == 401


def test_logout_holds_on_every_worker(start_server: StartServer) -> None:
    srv = start_server(WORKERS="2")
    account = register(srv.url)
    assert all(me(srv, account.access_token) == 200 for _ in range(10))
    assert http.post(srv.url + "/auth/logout", headers=account.headers).status_code == 204
    assert all(me(srv, account.access_token) == 401 for _ in range(20))


def test_logout_holds_on_another_server_process(start_server: StartServer) -> None:
    first, second = start_server(fresh=True), start_server(fresh=True)
    account = register(first.url)
    assert me(second, account.access_token) == 200
    assert http.post(first.url + "/auth/logout", headers=account.headers).status_code == 204
    assert me(second, account.access_token) == 401
    assert refresh(second, account.refresh_token).status_code == 401


def test_a_fresh_login_after_logout_works(server: Server, user: Account) -> None:
    http.post(server.url + "/auth/logout", headers=user.headers)
    again = login(server.url, user.email, PASSWORD)
    assert again.status_code == 200 and me(server, again.json()["access_token"]) == 200
