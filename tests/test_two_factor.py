"""Two-factor sign-in (TOTP) through the running server (2 workers, log at DEBUG): enrol with the
password (secret and QR code once), confirm with a first code (recovery codes once), then sign
in with the password (no usable token yet) and a code; codes are not accepted twice, wrong ones
lock the account's codes, and disabling needs the password and a code. The codes are computed
here with pyotp from the secret, as an authenticator app would."""

import time

import pyotp
import pytest

from config import PROJECT_NAME
from tests import http
from tests.accounts import PASSWORD, Account, login, register
from tests.conftest import Database, StartServer
from tests.server import Server


@pytest.fixture
def srv(start_server: StartServer) -> Server:
    return start_server(WORKERS="2", LOG_LEVEL="DEBUG")


def enrol(srv: Server, account: Account) -> pyotp.TOTP:
    enrolled = http.post(
        srv.url + "/auth/totp", json={"password": PASSWORD}, headers=account.headers
    )
    assert enrolled.status_code == 201, enrolled.text
    return pyotp.TOTP(enrolled.json()["secret"])


def code(totp: pyotp.TOTP, steps_ahead: int = 0) -> str:
    """The code of the current time step, or of one ahead (accepted: one step of drift)."""
    return totp.at(time.time(), counter_offset=steps_ahead)


def confirm(srv: Server, account: Account, totp: pyotp.TOTP, first: str = "") -> list[str]:
    confirmed = http.post(
        srv.url + "/auth/totp/confirm",
        json={"code": first or code(totp)},
        headers=account.headers,
    )
    assert confirmed.status_code == 200, confirmed.text
    return list(confirmed.json()["recovery_codes"])


def second_step(srv: Server, totp_token: str, answer: str) -> object:
    return http.post(srv.url + "/auth/login/totp", json={"totp_token": totp_token, "code": answer})


def test_enrol_confirm_then_sign_in_with_password_and_code(srv: Server, db: Database) -> None:
    account = register(srv.url)
    status = http.get(srv.url + "/auth/totp", headers=account.headers).json()
    assert status == {"enabled": False, "pending": False, "recovery_codes_left": 0}
    wrong = http.post(
        srv.url + "/auth/totp", json={"password": "Nope-nope-1"}, headers=account.headers
    )
    assert wrong.status_code == 403
    enrolled = http.post(
        srv.url + "/auth/totp", json={"password": PASSWORD}, headers=account.headers
    )
    assert enrolled.status_code == 201 and enrolled.headers["cache-control"] == "no-store"
    body = enrolled.json()
    secret = body["secret"]
    assert body["qr_svg"].startswith("data:image/svg+xml")
    assert (
        body["otpauth_uri"].startswith("otpauth://totp/")
        and f"secret={secret}" in body["otpauth_uri"]
    )
    assert f"issuer={PROJECT_NAME.replace(' ', '%20')}" in body["otpauth_uri"]
    stored = bytes(db.fetchval("SELECT secret FROM totp_factors"))
    assert secret.encode() not in stored  # encrypted at rest
    totp = pyotp.TOTP(secret)
    # Pending: the password alone still signs in.
    assert "access_token" in login(srv.url, account.email).json()
    assert http.get(srv.url + "/auth/totp", headers=account.headers).json()["pending"] is True
    bad = http.post(
        srv.url + "/auth/totp/confirm",
        json={"code": "000000" if code(totp) != "000000" else "111111"},
        headers=account.headers,
    )
    assert bad.status_code == 422
    first_code = code(totp)
    recovery = confirm(srv, account, totp, first_code)
    assert len(recovery) == 10 and len(set(recovery)) == 10
    assert http.get(srv.url + "/auth/totp", headers=account.headers).json() == {
        "enabled": True,
        "pending": False,
        "recovery_codes_left": 10,
    }
    assert (
        http.post(
            srv.url + "/auth/totp", json={"password": PASSWORD}, headers=account.headers
        ).status_code
        == 409
    )

    first = login(srv.url, account.email)
    assert first.status_code == 202
    challenge = first.json()
    assert set(challenge) == {"totp_token", "expires_in"} and "set-cookie" not in first.headers
    # The first step's token opens nothing.
    as_bearer = {"Authorization": f"Bearer {challenge['totp_token']}"}
    assert http.get(srv.url + "/users/me", headers=as_bearer).status_code == 401
    assert (
        http.post(
            srv.url + "/auth/refresh", json={"refresh_token": challenge["totp_token"]}
        ).status_code
        == 401
    )
    # The confirming code's time step is used up: that code again is refused (in its window).
    replay = second_step(srv, challenge["totp_token"], first_code)
    assert replay.status_code == 422  # type: ignore[attr-defined]
    done = second_step(srv, challenge["totp_token"], code(totp, 1))
    assert done.status_code == 200, done.text  # type: ignore[attr-defined]
    pair = done.json()  # type: ignore[attr-defined]
    assert (
        http.get(
            srv.url + "/users/me", headers={"Authorization": f"Bearer {pair['access_token']}"}
        ).status_code
        == 200
    )
    # The challenge works once.
    assert second_step(srv, challenge["totp_token"], code(totp, 1)).status_code == 401  # type: ignore[attr-defined]
    time.sleep(0.5)
    log = srv.log
    for secret_thing in (secret, challenge["totp_token"], *recovery):
        assert secret_thing not in log


def test_a_recovery_code_signs_in_once(srv: Server) -> None:
    account = register(srv.url)
    recovery = confirm(srv, account, enrol(srv, account))
    for expected in (200, 422):
        challenge = login(srv.url, account.email).json()
        answer = second_step(srv, challenge["totp_token"], recovery[0])
        assert answer.status_code == expected  # type: ignore[attr-defined]
    left = http.get(srv.url + "/auth/totp", headers=account.headers).json()["recovery_codes_left"]
    assert left == 9


def test_wrong_codes_lock_the_accounts_codes(srv: Server, db: Database) -> None:
    account = register(srv.url)
    totp = enrol(srv, account)
    confirm(srv, account, totp)
    challenge = login(srv.url, account.email).json()["totp_token"]
    right = code(totp, 1)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):  # TOTP_MAX_FAILURES
        assert second_step(srv, challenge, wrong).status_code == 422  # type: ignore[attr-defined]
    locked = second_step(srv, challenge, right)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 60  # type: ignore[attr-defined]
    # Per account: a new sign-in (another client, another challenge) is refused as well.
    again = login(srv.url, account.email).json()["totp_token"]
    assert second_step(srv, again, right).status_code == 429  # type: ignore[attr-defined]
    db.execute("UPDATE totp_factors SET locked_until = now()")
    assert second_step(srv, again, right).status_code == 200  # type: ignore[attr-defined]


def test_disabling_needs_the_password_and_a_code(srv: Server) -> None:
    account = register(srv.url)
    totp = enrol(srv, account)
    confirm(srv, account, totp)
    path = srv.url + "/auth/totp/disable"
    wrong_password = {"password": "Nope-nope-1", "code": code(totp, 1)}
    assert http.post(path, json=wrong_password, headers=account.headers).status_code == 403
    wrong_code = {"password": PASSWORD, "code": "000000" if code(totp, 1) != "000000" else "111111"}
    assert http.post(path, json=wrong_code, headers=account.headers).status_code == 422
    right = {"password": PASSWORD, "code": code(totp, 1)}
    assert http.post(path, json=right, headers=account.headers).status_code == 204
    assert "access_token" in login(srv.url, account.email).json()
    assert http.post(path, json=right, headers=account.headers).status_code == 409
