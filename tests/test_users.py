"""Signup, your own account, and reading accounts (self or admin)."""

import httpx
import pytest

from tests import http
from tests.accounts import PASSWORD, Account, login, register, sign_in
from tests.conftest import Database
from tests.server import Server

VALID = {"name": "Ada Lovelace", "email": "Ada@Example.com", "password": "Analytical1"}


def test_signup_returns_the_user_and_its_location(client: httpx.Client, db: Database) -> None:
    response = client.post("/users", json={**VALID, "name": "  Ada Lovelace ", "age": 36})
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/users/{body['id']}"
    assert body["email"] == "ada@example.com"
    assert body["name"] == "Ada Lovelace"  # surrounding spaces stripped
    assert body["age"] == 36 and body["role"] == "user" and body["is_active"] is True
    assert set(body) == {
        "id",
        "email",
        "name",
        "role",
        "age",
        "is_active",
        "email_verified_at",
        "created_at",
        "updated_at",
    }
    stored = db.fetchval("SELECT password_hash FROM users WHERE id = $1", body["id"])
    assert stored.startswith("$argon2id$") and stored not in response.text


def test_the_same_email_in_any_case_is_409(client: httpx.Client, db: Database) -> None:
    assert client.post("/users", json=VALID).status_code == 201
    again = client.post("/users", json={**VALID, "email": "ADA@example.COM"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert db.fetchval("SELECT count(*) FROM users") == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "<script></script>"}, "name"),  # markup is refused, not silently changed
        ({"name": "<b>Ada</b>"}, "name"),
        ({"name": "Ada\nLovelace"}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "Sh0rt"}, "password"),
        ({"password": "alllowercase1"}, "password"),
        ({"password": "ALLUPPERCASE1"}, "password"),
        ({"password": "NoDigitsHere"}, "password"),
        ({"password": "Aa1" + "x" * 200}, "password"),
        ({"age": -1}, "age"),
        ({"age": 151}, "age"),
        ({"age": "old"}, "age"),
        ({"role": "admin"}, "role"),  # no one signs up as admin
    ],
)
def test_invalid_signup_is_422_per_field_and_creates_nothing(
    client: httpx.Client, db: Database, change: dict, field: str
) -> None:
    response = client.post("/users", json={**VALID, **change})
    assert response.status_code == 422
    assert [err["loc"] for err in response.json()["errors"]] == [["body", field]]
    assert db.fetchval("SELECT count(*) FROM users") == 0


def test_missing_fields_are_422(client: httpx.Client) -> None:
    response = client.post("/users", json={"email": "a@example.com"})
    assert response.status_code == 422
    assert {err["loc"][1] for err in response.json()["errors"]} == {"name", "password"}


def test_me_needs_a_token(client: httpx.Client, user: Account) -> None:
    assert client.get("/users/me").status_code == 401
    me = client.get("/users/me", headers=user.headers)
    assert me.status_code == 200
    assert me.json()["id"] == user.id and me.json()["email"] == user.email


def test_an_empty_patch_changes_nothing(client: httpx.Client, user: Account) -> None:
    before = client.get("/users/me", headers=user.headers).json()
    for body in ({}, {"current_password": "anything"}):
        response = client.patch("/users/me", json=body, headers=user.headers)
        assert response.status_code == 200 and response.json() == before


def test_patch_me_changes_name_and_age(client: httpx.Client, user: Account) -> None:
    response = client.patch("/users/me", json={"name": "Grace", "age": 40}, headers=user.headers)
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["age"]) == ("Grace", 40)
    cleared = client.patch("/users/me", json={"age": None}, headers=user.headers)
    assert (cleared.json()["name"], cleared.json()["age"]) == ("Grace", None)


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"age": 200},
        {"role": "admin"},
        {"password": "NewPass123"},
        {"current_password": ""},
    ],
)
def test_invalid_patch_is_422_and_changes_nothing(
    client: httpx.Client, user: Account, body: dict
) -> None:
    before = client.get("/users/me", headers=user.headers).json()
    assert client.patch("/users/me", json=body, headers=user.headers).status_code == 422
    assert client.get("/users/me", headers=user.headers).json() == before


def test_password_change_needs_the_current_password(
    client: httpx.Client, server: Server, user: Account
) -> None:
    wrong = client.patch(
        "/users/me",
        json={"password": "NewPass123", "current_password": "Not-the-1"},
        headers=user.headers,
    )
    assert wrong.status_code == 403
    assert wrong.json()["errors"][0]["loc"] == ["body", "current_password"]
    assert login(server.url, user.email).status_code == 200


def test_password_change_revokes_other_sessions_only(server: Server, user: Account) -> None:
    other = sign_in(server.url, user.id, user.email)  # a second session (another device)
    response = http.patch(
        server.url + "/users/me",
        json={"password": "NewPass123", "current_password": PASSWORD},
        headers=user.headers,
    )
    assert response.status_code == 200
    assert http.get(server.url + "/users/me", headers=user.headers).status_code == 200
    assert http.get(server.url + "/users/me", headers=other.headers).status_code == 401
    refresh = http.post(server.url + "/auth/refresh", json={"refresh_token": other.refresh_token})
    assert refresh.status_code == 401
    assert login(server.url, user.email, PASSWORD).status_code == 401
    assert login(server.url, user.email, "NewPass123").status_code == 200


def test_read_user_self_other_admin_unknown(
    client: httpx.Client, user: Account, admin: Account, server: Server
) -> None:
    other = register(server.url)
    assert client.get(f"/users/{user.id}", headers=user.headers).status_code == 200
    forbidden = client.get(f"/users/{other.id}", headers=user.headers)
    assert forbidden.status_code == 403
    assert client.get("/users/999999", headers=user.headers).status_code == 403
    assert client.get(f"/users/{other.id}", headers=admin.headers).json()["id"] == other.id
    assert client.get("/users/999999", headers=admin.headers).status_code == 404
    assert client.get("/users/abc", headers=admin.headers).status_code == 422


def test_the_path_wins_over_a_query_parameter(
    client: httpx.Client, server: Server, user: Account
) -> None:
    other = register(server.url)
    response = client.get(f"/users/{user.id}?user_id={other.id}", headers=user.headers)
    assert response.status_code == 200 and response.json()["id"] == user.id
