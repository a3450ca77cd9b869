"""Every forged, tampered, stale or revoked token gets 401 with `WWW-Authenticate: Bearer`
and the problem-details body. The suite knows the server's JWT secret (TEST_JWT_SECRET), so it
can mint tokens that differ from a valid one in exactly one way."""

import base64
import json
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest

from tests import http
from tests.accounts import Account
from tests.conftest import TEST_JWT_SECRET, Database
from tests.server import Server


def mint(
    user: Account, key: str = TEST_JWT_SECRET, algorithm: str = "HS256", **changes: Any
) -> str:
    valid = jwt.decode(user.access_token, options={"verify_signature": False})
    payload = {**valid, "jti": uuid.uuid4().hex, **changes}
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, key, algorithm=algorithm)


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def get_me(server: Server, authorization: str) -> httpx.Response:
    return http.get(server.url + "/users/me", headers={"Authorization": authorization})


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_a_minted_valid_token_is_accepted(server: Server, user: Account) -> None:
    """The control: the attacks below fail for their one change, not for the minting."""
    assert get_me(server, f"Bearer {mint(user)}").status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer  x",
        "Basic dXNlcjpwYXNz",
        "Token abc",
        "Bearer abc.def",
        "Bearer ...",
        "Bearer not-a-jwt-at-all",
        "Bearer " + "a" * 5000,
    ],
)
def test_missing_or_malformed_tokens(server: Server, authorization: str) -> None:
    assert_unauthorized(get_me(server, authorization))


def test_alg_none_is_refused(server: Server, user: Account) -> None:
    payload = jwt.decode(user.access_token, options={"verify_signature": False})
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."
    assert_unauthorized(get_me(server, f"Bearer {unsigned}"))


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_another_algorithm_with_the_right_key_is_refused(server: Server, user: Account) -> None:
    assert_unauthorized(get_me(server, f"Bearer {mint(user, algorithm='HS512')}"))


def test_a_bad_signature_is_refused(server: Server, user: Account) -> None:
    assert_unauthorized(get_me(server, f"Bearer {mint(user, key='x' * 40)}"))
    head, body, signature = user.access_token.split(".")
    tampered_body = b64({**json.loads(base64.urlsafe_b64decode(body + "==")), "role": "admin"})
    assert_unauthorized(get_me(server, f"Bearer {head}.{tampered_body}.{signature}"))


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "someone-else"},
        {"aud": "another-api"},
        {"jti": None},
        {"sub": None},
        {"sid": None},
        {"exp": None},
        {"sub": "not-a-number"},
    ],
)
def test_wrong_or_missing_claims_are_refused(server: Server, user: Account, changes: dict) -> None:
    assert_unauthorized(get_me(server, f"Bearer {mint(user, **changes)}"))


def test_expired_and_not_yet_valid_tokens_are_refused(server: Server, user: Account) -> None:
    now = int(time.time())
    expired = mint(user, iat=now - 1000, nbf=now - 1000, exp=now - 60)
    assert_unauthorized(get_me(server, f"Bearer {expired}"))
    early = mint(user, iat=now, nbf=now + 120, exp=now + 900)
    assert_unauthorized(get_me(server, f"Bearer {early}"))


def test_small_clock_skew_is_tolerated(server: Server, user: Account) -> None:
    now = int(time.time())
    just_expired = mint(user, iat=now - 900, nbf=now - 900, exp=now - 3)
    assert get_me(server, f"Bearer {just_expired}").status_code == 200


def test_a_logged_out_token_is_refused(server: Server, user: Account) -> None:
    assert http.post(server.url + "/auth/logout", headers=user.headers).status_code == 204
    assert_unauthorized(get_me(server, f"Bearer {user.access_token}"))


def test_a_deactivated_users_tokens_stop_working(
    server: Server, user: Account, admin: Account, db: Database
) -> None:
    response = http.patch(
        f"{server.url}/admin/users/{user.id}", json={"is_active": False}, headers=admin.headers
    )
    assert response.status_code == 200
    assert_unauthorized(get_me(server, f"Bearer {user.access_token}"))


def test_a_forged_admin_role_needs_the_key(server: Server, user: Account) -> None:
    forged = mint(user, key="guessed-key-" + "x" * 30, role="admin")
    assert_unauthorized(
        http.get(server.url + "/admin/users", headers={"Authorization": f"Bearer {forged}"})
    )
