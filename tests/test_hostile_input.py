"""Input anyone can send gets a 4xx problem naming the field, and changes nothing: never a 500.
Each case here answered 500 before models/base.py and web/inputs.py."""

from typing import Any

import httpx
import pytest

from tests import http
from tests.accounts import Account
from tests.conftest import Database
from tests.server import Server

NUL = "\u0000"
INT64_OVER = 2**63
SIGNUP = {"name": "Ada", "email": "ada@example.com", "password": "Analytical1"}


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def fields(body: dict[str, Any]) -> list[list[Any]]:
    return [error["loc"] for error in body.get("errors") or []]


def test_patch_with_null_for_a_not_null_column_is_422(
    server: Server, user: Account, db: Database
) -> None:
    before = db.fetch("SELECT * FROM users WHERE id = $1", user.id)
    body = problem(
        http.patch(server.url + "/users/me", json={"name": None}, headers=user.headers), 422
    )
    assert fields(body) == [["body", "name"]]
    for nulled in (
        {"password": None, "current_password": "x"},
        {"name": "A", "current_password": None},
    ):
        problem(http.patch(server.url + "/users/me", json=nulled, headers=user.headers), 422)
    assert db.fetch("SELECT * FROM users WHERE id = $1", user.id) == before


@pytest.mark.parametrize(
    ("method", "path", "payload", "field"),
    [
        ("POST", "/users", {**SIGNUP, "name": f"Ada{NUL}"}, ["body", "name"]),
        ("POST", "/users", {**SIGNUP, "password": f"Analytical1{NUL}"}, ["body", "password"]),
        (
            "POST",
            "/auth/login",
            {"email": f"a{NUL}@example.com", "password": "x"},
            ["body", "email"],
        ),
        ("PATCH", "/users/me", {"name": f"A{NUL}"}, ["body", "name"]),
    ],
)
def test_nul_in_a_string_is_422_naming_the_field(
    server: Server,
    user: Account,
    db: Database,
    method: str,
    path: str,
    payload: dict[str, Any],
    field: list[str],
) -> None:
    response = http.request(method, server.url + path, json=payload, headers=user.headers)
    assert field in fields(problem(response, 422))
    assert db.fetchval("SELECT count(*) FROM users") == 1


def test_nul_in_a_query_string_is_422(server: Server, admin: Account) -> None:
    response = http.get(
        server.url + "/admin/users", params={"q": f"a{NUL}b"}, headers=admin.headers
    )
    assert fields(problem(response, 422)) == [["query", "q"]]


def test_form_login_that_is_not_utf8_is_400_naming_the_field(server: Server) -> None:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    for form, field in (
        (b"username=%ff%fe&password=%c3%28", "username"),
        (b"username=a%40b.c&password=%c3%28", "password"),
    ):
        response = http.post(server.url + "/auth/login", content=form, headers=headers)
        assert fields(problem(response, 400)) == [["body", field]]
    raw = http.post(server.url + "/auth/login", content=b"username=\xff", headers=headers)
    problem(raw, 400)


@pytest.mark.parametrize("number", [str(INT64_OVER), str(-INT64_OVER - 1), "1" + "0" * 40])
def test_integers_beyond_int64_in_paths_and_queries_are_422(
    server: Server, admin: Account, number: str
) -> None:
    body = problem(http.get(f"{server.url}/users/{number}", headers=admin.headers), 422)
    assert fields(body) == [["path", "user_id"]]
    response = http.get(
        server.url + "/admin/users", params={"offset": number}, headers=admin.headers
    )
    assert fields(problem(response, 422)) == [["query", "offset"]]
    patch = http.patch(
        f"{server.url}/admin/users/{number}", json={"role": "user"}, headers=admin.headers
    )
    problem(patch, 422)


def test_the_int64_edge_itself_is_a_plain_404(server: Server, admin: Account) -> None:
    problem(http.get(f"{server.url}/users/{2**63 - 1}", headers=admin.headers), 404)
    problem(http.get(f"{server.url}/users/{-(2**63)}", headers=admin.headers), 404)


def test_a_boolean_is_not_an_integer(server: Server, user: Account, db: Database) -> None:
    body = problem(
        http.patch(server.url + "/users/me", json={"age": True}, headers=user.headers), 422
    )
    assert fields(body) == [["body", "age"]]
    problem(http.post(server.url + "/users", json={**SIGNUP, "age": True}), 422)
    problem(http.patch(server.url + "/users/me", json={"age": "40"}, headers=user.headers), 422)
    assert db.fetchval("SELECT age FROM users WHERE id = $1", user.id) is None


def test_duplicate_keys_are_400(server: Server, user: Account, db: Database) -> None:
    raw = b'{"name": "Ada", "name": "Eve", "email": "a@example.com", "password": "Analytical1"}'
    body = problem(
        http.post(server.url + "/users", content=raw, headers={"content-type": "application/json"}),
        400,
    )
    assert fields(body) == [["body", "name"]]
    assert db.fetchval("SELECT count(*) FROM users") == 1  # the fixture's user only


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1", None],
)
def test_a_json_body_with_another_content_type_is_415(
    server: Server, db: Database, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    raw = b'{"name": "Ada", "email": "a@example.com", "password": "Analytical1"}'
    problem(http.post(server.url + "/users", content=raw, headers=headers), 415)
    assert db.fetchval("SELECT count(*) FROM users") == 0


@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"name": NaN}', b'"\xff"', b'{"name": "\\ud800"}', b"[" * 10000 + b"]" * 10000],
)
def test_what_is_not_json_is_400(server: Server, raw: bytes) -> None:
    response = http.post(
        server.url + "/users", content=raw, headers={"content-type": "application/json"}
    )
    problem(response, 400)


def test_undeclared_methods_are_405_with_allow_even_anonymously(server: Server) -> None:
    for method, path, allow in (
        ("TRACE", "/users", "POST"),
        ("PUT", "/users", "POST"),
        ("DELETE", "/users/me", "GET, HEAD, PATCH"),
        ("POST", "/health", "GET, HEAD"),
    ):
        response = http.request(method, server.url + path)
        problem(response, 405)
        assert response.headers["allow"] == allow


def test_unknown_query_parameters_are_ignored_and_repeated_ones_refused(
    server: Server, admin: Account
) -> None:
    ok = http.get(server.url + "/admin/users?cache_buster=1&users=x", headers=admin.headers)
    assert ok.status_code == 200
    problem(http.get(server.url + "/admin/users?limit=1&limit=2", headers=admin.headers), 400)
    problem(http.get(server.url + "/admin/users?q=%ff", headers=admin.headers), 400)
