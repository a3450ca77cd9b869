"""E-mail verification through the running server: signup queues the e-mail as a durable job,
the app's job worker sends it over real SMTP (aiosmtpd), and the link's token, stored only as
its SHA-256, verifies the address once. What unverified accounts may do is UNVERIFIED_ACCOUNTS.
Nothing of a token shows in the log (read at DEBUG) or in any other response."""

import hashlib
import time
import uuid

from config import PROJECT_NAME
from tests import http
from tests.accounts import PASSWORD, Account, login
from tests.conftest import Database, StartServer
from tests.mailbox import link_in, link_of, mail_to, parts, settle
from tests.server import Server
from tests.smtp import SmtpServer


def mailing_server(start_server: StartServer, inbox: SmtpServer, **env: str) -> Server:
    """A server with the default UNVERIFIED_ACCOUNTS (limited) that runs the e-mail jobs."""
    settings = {"UNVERIFIED_ACCOUNTS": "limited", "LOG_LEVEL": "DEBUG", **env}
    # fresh: a server that runs jobs must not outlive its test (and its SMTP server): it would
    # take the next tests' jobs from the shared database.
    return start_server(
        fresh=True,
        JOBS_IN_APP="true",
        PUBLIC_URL="https://app.example.org",
        **inbox.env(),
        **settings,
    )


def sign_up(srv: Server, email: str = "") -> dict[str, object]:
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    body = {"name": "Ada", "email": email, "password": PASSWORD}
    created = http.post(srv.url + "/users", json=body)
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_signup_mails_a_link_whose_token_verifies_the_address_once(
    start_server: StartServer, inbox: SmtpServer, db: Database
) -> None:
    srv = mailing_server(start_server, inbox)
    user = sign_up(srv)
    assert user["email_verified_at"] is None
    (message,) = mail_to(inbox, str(user["email"]))
    assert message["Subject"] == f"Verify your e-mail address for {PROJECT_NAME}"
    link, token = link_of(message)
    assert link.startswith("https://app.example.org/account/verify-email?token=")
    text, _ = parts(message)
    assert "48 hours" in text
    # Stored only as its hash (committed just after the SMTP server took the message); not in
    # the job's payload either.
    settle(lambda: db.fetchval("SELECT count(*) FROM account_tokens") == 1)
    stored = db.fetchval("SELECT token_hash FROM account_tokens")
    assert stored == hashlib.sha256(token.encode()).digest()
    dump = str(db.fetch("SELECT * FROM account_tokens")) + str(
        db.fetch("SELECT * FROM pgqueuer_log")
    )
    assert token not in dump

    assert http.post(srv.url + "/auth/verify-email", json={"token": token}).status_code == 204
    assert db.fetchval("SELECT email_verified_at IS NOT NULL FROM users")
    again = http.post(srv.url + "/auth/verify-email", json={"token": token})
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    altered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert http.post(srv.url + "/auth/verify-email", json={"token": altered}).status_code == 404
    time.sleep(0.5)  # the access log is flushed every 0.2 s
    log = srv.log
    assert token not in log and altered not in log
    assert str(user["email"]) not in log  # only redacted (email_sent: u***@example.com)


def test_an_expired_link_is_refused_and_a_new_one_can_be_asked_for(
    start_server: StartServer, inbox: SmtpServer, db: Database
) -> None:
    srv = mailing_server(start_server, inbox)
    user = sign_up(srv)
    _, token = link_in(inbox, db, str(user["email"]))
    db.execute("UPDATE account_tokens SET expires_at = now() - interval '1 second'")
    expired = http.post(srv.url + "/auth/verify-email", json={"token": token})
    assert expired.status_code == 410, expired.text
    assert "expired" in expired.json()["detail"]
    resent = http.post(srv.url + "/auth/verify-email/resend", json={"email": user["email"]})
    assert resent.status_code == 202
    _, fresh = link_in(inbox, db, str(user["email"]), count=2)
    assert fresh != token
    assert http.post(srv.url + "/auth/verify-email", json={"token": fresh}).status_code == 204


def test_resending_answers_the_same_for_any_address_and_is_limited_per_address(
    start_server: StartServer, inbox: SmtpServer, db: Database
) -> None:
    srv = mailing_server(start_server, inbox)
    unverified = sign_up(srv)
    verified = sign_up(srv)
    mail_to(inbox, str(verified["email"]))
    db.execute("UPDATE users SET email_verified_at = now() WHERE id = $1", verified["id"])
    inbox.recorder.messages.clear()
    answers = []
    for email in (unverified["email"], verified["email"], "nobody-here@example.com"):
        response = http.post(srv.url + "/auth/verify-email/resend", json={"email": email})
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 202
    mail_to(inbox, str(unverified["email"]))
    settle(lambda: db.fetchval("SELECT count(*) FROM pgqueuer") == 0)
    assert [m["To"] for m in inbox.messages] == [unverified["email"]]
    # ACCOUNT_MAIL_PER_ADDRESS_PER_MINUTE (2): the third request for an address is refused,
    # whether or not it has an account.
    for email in (unverified["email"], "nobody-here@example.com"):
        second = http.post(srv.url + "/auth/verify-email/resend", json={"email": email})
        assert second.status_code == 202
        refused = http.post(srv.url + "/auth/verify-email/resend", json={"email": email})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert refused.json()["detail"] == "Too many requests for this address; try again later."


def test_limited_unverified_accounts_reach_their_own_account_only(
    start_server: StartServer, inbox: SmtpServer, db: Database, admin: Account
) -> None:
    srv = mailing_server(start_server, inbox)
    user = sign_up(srv)
    tokens = login(srv.url, str(user["email"])).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert http.get(srv.url + "/users/me", headers=headers).status_code == 200
    refused = http.get(f"{srv.url}/users/{user['id']}", headers=headers)
    assert refused.status_code == 403 and "Verify your e-mail address" in refused.json()["detail"]
    # Admins see who has verified.
    listed = http.get(srv.url + "/admin/users", headers=admin.headers).json()["items"]
    assert [u["email_verified_at"] for u in listed if u["id"] == user["id"]] == [None]

    _, token = link_in(inbox, db, str(user["email"]))
    assert http.post(srv.url + "/auth/verify-email", json={"token": token}).status_code == 204
    # The token in hand still says unverified; the next one (refresh) says verified.
    pair = http.post(srv.url + "/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    headers = {"Authorization": f"Bearer {pair.json()['access_token']}"}
    assert http.get(f"{srv.url}/users/{user['id']}", headers=headers).status_code == 200
    listed = http.get(srv.url + "/admin/users", headers=admin.headers).json()["items"]
    assert [u["email_verified_at"] is not None for u in listed if u["id"] == user["id"]] == [True]


def test_blocked_unverified_accounts_cannot_log_in_until_verified(
    start_server: StartServer, inbox: SmtpServer, db: Database
) -> None:
    srv = mailing_server(start_server, inbox, UNVERIFIED_ACCOUNTS="blocked")
    user = sign_up(srv)
    wrong = login(srv.url, str(user["email"]), "Wrong-password-1")
    assert wrong.status_code == 401  # as for anyone: nothing learnt without the password
    refused = login(srv.url, str(user["email"]))
    assert refused.status_code == 403 and "Verify your e-mail address" in refused.json()["detail"]
    _, token = link_in(inbox, db, str(user["email"]))
    assert http.post(srv.url + "/auth/verify-email", json={"token": token}).status_code == 204
    assert login(srv.url, str(user["email"])).status_code == 200


def test_the_link_opens_a_page_whose_button_verifies(
    start_server: StartServer, inbox: SmtpServer, db: Database
) -> None:
    srv = mailing_server(start_server, inbox)
    user = sign_up(srv)
    _, token = link_in(inbox, db, str(user["email"]))
    page = http.get(srv.url + "/account/verify-email", params={"token": token})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert f'name="token" value="{token}"' in page.text and "<script" not in page.text
    assert not db.fetchval("SELECT email_verified_at IS NOT NULL FROM users")  # GET uses nothing
    done = http.post(srv.url + "/account/verify-email", data={"token": token})
    assert done.status_code == 200 and "Your e-mail address is verified" in done.text
    assert db.fetchval("SELECT email_verified_at IS NOT NULL FROM users")
    again = http.post(srv.url + "/account/verify-email", data={"token": token})
    assert again.status_code == 409 and "used already" in again.text
    assert http.get(srv.url + "/account/verify-email").status_code == 400
    assert http.get(srv.url + "/account/verify-email?token=<b>").status_code == 400
    time.sleep(0.5)
    assert token not in srv.log
