"""Password reset through the running server (2 workers), real PostgreSQL, Redis and SMTP
(aiosmtpd): the same answer for any address, a link only to an account, a token that works
once, briefly, and not after a later password change; using it ends every session at once.
The log (at DEBUG) holds no token and no password."""

import hashlib
import time
import uuid

from config import PROJECT_NAME
from tests import http
from tests.accounts import PASSWORD, login, register
from tests.conftest import Database, StartServer
from tests.mailbox import link_in, mail_to, parts
from tests.server import Server
from tests.smtp import SmtpServer

NEW_PASSWORD = "Fresh-start-42"
RESET = "Reset your password"


def mailing_server(start_server: StartServer, inbox: SmtpServer, **env: str) -> Server:
    # fresh: a server that runs jobs must not outlive its test (and its SMTP server): it would
    # take the next tests' jobs from the shared database.
    return start_server(
        fresh=True,
        WORKERS="2",
        JOBS_IN_APP="true",
        LOG_LEVEL="DEBUG",
        PUBLIC_URL="https://app.example.org",
        **inbox.env(),
        **env,
    )


def forgot(srv: Server, email: str) -> tuple[int, object]:
    response = http.post(srv.url + "/auth/password-reset", json={"email": email})
    return response.status_code, response.json()


def confirm(srv: Server, token: str, password: str = NEW_PASSWORD) -> int:
    body = {"token": token, "password": password}
    return http.post(srv.url + "/auth/password-reset/confirm", json=body).status_code


def reset_link(inbox: SmtpServer, db: Database, email: str, count: int = 1) -> tuple[str, str]:
    """(link, token) of the `count`th reset e-mail (signup sent a verification e-mail too)."""
    return link_in(inbox, db, email, count, subject=RESET)


def resets(inbox: SmtpServer) -> list[str]:
    return [m["To"] for m in inbox.messages if m["Subject"].startswith(RESET)]


def test_the_answer_is_the_same_for_any_address_and_only_an_account_gets_a_link(
    start_server: StartServer, inbox: SmtpServer, db: Database
) -> None:
    srv = mailing_server(start_server, inbox)
    account = register(srv.url)
    known = forgot(srv, account.email)
    nobody = f"nobody-{uuid.uuid4().hex[:6]}@example.com"
    unknown = forgot(srv, nobody)
    assert known == unknown and known[0] == 202
    link, token = reset_link(inbox, db, account.email)
    assert resets(inbox) == [account.email]
    (message,) = mail_to(inbox, account.email, subject=RESET)
    assert message["Subject"] == f"Reset your password for {PROJECT_NAME}"
    assert link.startswith("https://app.example.org/account/reset-password?token=")
    assert "30 minutes" in parts(message)[0]
    stored = db.fetchval("SELECT token_hash FROM account_tokens WHERE purpose = 'reset_password'")
    assert stored == hashlib.sha256(token.encode()).digest()
    assert token not in str(db.fetch("SELECT * FROM account_tokens"))
    time.sleep(0.5)  # the access log is flushed every 0.2 s
    log = srv.log
    assert token not in log and account.email not in log and nobody not in log


def test_a_reset_ends_every_session_at_once_and_the_token_works_once(
    start_server: StartServer, inbox: SmtpServer, db: Database
) -> None:
    srv = mailing_server(start_server, inbox)
    account = register(srv.url)
    other = login(srv.url, account.email).json()  # a second session, elsewhere
    forgot(srv, account.email)
    _, token = reset_link(inbox, db, account.email)
    assert confirm(srv, token) == 204
    # Both sessions end at once, on either worker: access tokens and refresh tokens.
    for access in (account.access_token, other["access_token"]):
        for _ in range(4):
            me = http.get(srv.url + "/users/me", headers={"Authorization": f"Bearer {access}"})
            assert me.status_code == 401
    for refresh in (account.refresh_token, other["refresh_token"]):
        assert (
            http.post(srv.url + "/auth/refresh", json={"refresh_token": refresh}).status_code == 401
        )
    assert login(srv.url, account.email, PASSWORD).status_code == 401
    assert login(srv.url, account.email, NEW_PASSWORD).status_code == 200
    # The link proved the address.
    assert db.fetchval("SELECT email_verified_at IS NOT NULL FROM users")
    assert confirm(srv, token, "Another-one-77") == 409  # once only
    assert confirm(srv, "x" * 43) == 404
    time.sleep(0.5)  # the access log is flushed every 0.2 s
    log = srv.log
    assert token not in log and NEW_PASSWORD not in log and PASSWORD not in log


def test_a_later_password_change_voids_the_link_and_links_expire(
    start_server: StartServer, inbox: SmtpServer, db: Database
) -> None:
    srv = mailing_server(start_server, inbox)
    account = register(srv.url)
    forgot(srv, account.email)
    _, token = reset_link(inbox, db, account.email)
    changed = http.patch(
        srv.url + "/users/me",
        json={"password": "Changed-by-hand-5", "current_password": PASSWORD},
        headers=account.headers,
    )
    assert changed.status_code == 200
    refused = http.post(
        srv.url + "/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert refused.status_code == 409 and "password was changed" in refused.json()["detail"]
    assert login(srv.url, account.email, "Changed-by-hand-5").status_code == 200

    forgot(srv, account.email)
    _, second = reset_link(inbox, db, account.email, count=2)
    db.execute("UPDATE account_tokens SET expires_at = now() - interval '1 second'")
    assert confirm(srv, second) == 410
    assert login(srv.url, account.email, "Changed-by-hand-5").status_code == 200


def test_requests_are_limited_per_address_known_or_not(
    start_server: StartServer, inbox: SmtpServer, db: Database
) -> None:
    srv = mailing_server(start_server, inbox)
    account = register(srv.url)
    # ACCOUNT_MAIL_PER_ADDRESS_PER_MINUTE (2), known address or not: the same refusal.
    answers = {}
    for email in (account.email, "nobody-at-all@example.com"):
        assert [forgot(srv, email)[0] for _ in range(2)] == [202, 202]
        answers[email] = forgot(srv, email)
    assert answers[account.email] == answers["nobody-at-all@example.com"]
    assert answers[account.email][0] == 429
    reset_link(inbox, db, account.email, count=2)  # the account's two requests, and nothing else
    assert resets(inbox) == [account.email] * 2


def test_requests_are_limited_per_client(start_server: StartServer, inbox: SmtpServer) -> None:
    srv = mailing_server(start_server, inbox, RATE_LIMIT_ACCOUNT_MAIL_PER_MINUTE="3")
    assert [forgot(srv, f"n{i}@example.com")[0] for i in range(3)] == [202] * 3
    refused = http.post(srv.url + "/auth/password-reset", json={"email": "n4@example.com"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0


def test_the_link_opens_a_form_that_sets_the_new_password(
    start_server: StartServer, inbox: SmtpServer, db: Database
) -> None:
    srv = mailing_server(start_server, inbox)
    account = register(srv.url)
    forgot(srv, account.email)
    _, token = reset_link(inbox, db, account.email)
    form = http.get(srv.url + "/account/reset-password", params={"token": token})
    assert form.status_code == 200 and f'name="token" value="{token}"' in form.text
    assert "<script" not in form.text and form.headers["cache-control"] == "no-store"
    base = {"token": token, "password": NEW_PASSWORD}
    differ = http.post(srv.url + "/account/reset-password", data={**base, "password_again": "x"})
    assert differ.status_code == 422 and "differ" in differ.text and token in differ.text
    weak = {"token": token, "password": "weakweak", "password_again": "weakweak"}
    assert http.post(srv.url + "/account/reset-password", data=weak).status_code == 422
    done = http.post(
        srv.url + "/account/reset-password", data={**base, "password_again": NEW_PASSWORD}
    )
    assert done.status_code == 200 and "Your password is changed" in done.text
    assert login(srv.url, account.email, NEW_PASSWORD).status_code == 200
    again = http.post(
        srv.url + "/account/reset-password", data={**base, "password_again": NEW_PASSWORD}
    )
    assert again.status_code == 409
    assert http.get(srv.url + "/account/reset-password").status_code == 400
    time.sleep(0.5)
    assert token not in srv.log and NEW_PASSWORD not in srv.log
