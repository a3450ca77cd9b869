"""The order's confirmation e-mail: a durable job done by `python -m scripts.worker`, sent over
real SMTP (aiosmtpd) once, also when a worker dies mid-send; retried with backoff and failed for
good when the SMTP server is down; or run inside the app (JOBS_IN_APP)."""

import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests import http
from tests.accounts import Account
from tests.conftest import Database, StartServer
from tests.server import Server, free_port
from tests.smtp import SmtpServer


@pytest.fixture(autouse=True)
def _only_order_mail(user: Account, admin: Account, db: Database) -> None:
    """The accounts' verification e-mails (queued at signup) are not what these tests count."""
    db.execute("DELETE FROM pgqueuer WHERE entrypoint = 'verify_email'")


def place(server: Server, account: Account, db: Database, quantity: int = 2) -> int:
    product = db.fetchval(
        "INSERT INTO products (sku, name, price, stock) VALUES ('LAMP-1', 'Desk lamp', 19.99, 9) "
        "RETURNING id"
    )
    body = {"items": [{"product_id": product, "quantity": quantity}]}
    response = http.post(server.url + "/orders", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def wait_until(check: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.1)
    assert check(), "timed out"  # type: ignore[operator]


def test_the_confirmation_reaches_the_customer_once(
    server: Server, user: Account, db: Database, smtp: SmtpServer, start_worker: object
) -> None:
    start_worker(**smtp.env())  # type: ignore[operator]
    order_id = place(server, user, db)
    (message,) = smtp.wait_for(1)
    assert message["To"] == user.email and message["Subject"] == f"Your order {order_id}"
    assert message["Message-ID"] == f"<order-confirmation.{order_id}@example.com>"
    assert smtp.recorder.envelopes[0] == ("no-reply@example.com", [user.email])
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert f"order {order_id}" in text and "2 x Desk lamp at 19.99 = 39.98" in text
    assert "<td>Desk lamp</td>" in html and "39.98" in html
    wait_until(lambda: db.fetchval("SELECT count(*) FROM pgqueuer") == 0)
    assert db.fetchval("SELECT confirmation_sent_at IS NOT NULL FROM orders")
    # The same job again (as after a crash between sending and finishing): nothing is resent.
    db.execute(
        "INSERT INTO pgqueuer (priority, entrypoint, payload, status) "
        "VALUES (0, 'order_confirmation', $1, 'queued')",
        f'{{"order_id":{order_id}}}'.encode(),
    )
    wait_until(lambda: db.fetchval("SELECT count(*) FROM pgqueuer") == 0)
    time.sleep(1)
    assert len(smtp.messages) == 1


def test_a_worker_killed_mid_send_is_taken_over_and_the_mail_goes_once(
    server: Server, user: Account, db: Database, smtp: SmtpServer, start_worker: object
) -> None:
    fast_takeover = {**smtp.env(), "JOB_HEARTBEAT_TIMEOUT": "2"}
    smtp.recorder.hold.set()  # the first conversation waits at RCPT: nothing is sent yet
    first = start_worker(**fast_takeover)  # type: ignore[operator]
    place(server, user, db)
    assert smtp.recorder.held.wait(15), "the worker never reached the SMTP server"
    first.kill()  # mid-job: the job is still "picked" by a worker that is gone
    smtp.recorder.release()
    assert db.fetchval("SELECT status::text FROM pgqueuer") == "picked"
    start_worker(**fast_takeover)  # type: ignore[operator]
    smtp.wait_for(1)
    wait_until(lambda: db.fetchval("SELECT count(*) FROM pgqueuer") == 0)
    time.sleep(2.5)  # another heartbeat timeout: nothing runs it again
    assert len(smtp.messages) == 1


def test_with_the_smtp_server_down_a_job_is_retried_then_failed_for_good(
    server: Server, user: Account, admin: Account, db: Database, start_worker: object
) -> None:
    down = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port()), "SMTP_TLS": "none"}
    worker = start_worker(  # type: ignore[operator]
        **down, JOB_MAX_ATTEMPTS="3", JOB_RETRY_DELAY="0.2", JOB_RETRY_MAX_DELAY="0.5"
    )
    order_id = place(server, user, db)
    wait_until(lambda: db.fetchval("SELECT status::text FROM pgqueuer") == "failed")
    assert worker.log.count('"event":"job_failed"') == 3
    # Which server refused which (redacted) recipient, in the log: what to fix is in sight.
    failed = next(line for line in worker.log.splitlines() if '"event":"job_failed"' in line)
    assert f"127.0.0.1:{down['SMTP_PORT']} (SMTP_TLS=none)" in failed
    assert f"to {user.email[0]}***@example.com" in failed and user.email not in worker.log
    report = http.get(server.url + "/admin/jobs", headers=admin.headers).json()
    assert report["counts"] == {"queued": 0, "picked": 0, "failed": 1}
    assert report["failed"][0]["payload"] == {"order_id": order_id}
    assert report["failed"][0]["tries"] == 3
    assert 'jobs{status="failed"} 1' in server.metrics().text
    assert http.get(server.url + "/admin/jobs", headers=user.headers).status_code == 403
    assert not db.fetchval("SELECT confirmation_sent_at IS NOT NULL FROM orders")


def test_the_app_can_run_the_jobs_itself(
    start_server: StartServer, user: Account, db: Database, smtp: SmtpServer
) -> None:
    srv = start_server(JOBS_IN_APP="true", fresh=True, **smtp.env())
    srv.wait_for_log("job_worker_started")
    order_id = place(srv, user, db)
    assert smtp.wait_for(1)[0]["Subject"] == f"Your order {order_id}"


def test_without_an_smtp_host_the_mail_is_written_whole_to_a_file(
    start_server: StartServer, user: Account, db: Database, tmp_path: Path
) -> None:
    """Development without SMTP: the whole message (text and HTML) in an .eml file under
    MAIL_DIR, named by the log line, which itself carries no body and a redacted address."""
    outbox = tmp_path / "mail"
    srv = start_server(JOBS_IN_APP="true", fresh=True, MAIL_DIR=str(outbox))
    order_id = place(srv, user, db)
    log = srv.wait_for_log("email_written_not_sent", timeout=15)
    line = next(line for line in log.splitlines() if "email_written_not_sent" in line)
    (written,) = outbox.glob("*.eml")
    assert f'"file":"{written}"' in line
    assert f'"to":"{user.email[0]}***@example.com"' in line
    assert user.email not in log and "Desk lamp" not in line
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message["To"] == user.email and message["Subject"] == f"Your order {order_id}"
    assert "2 x Desk lamp at 19.99" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "<td>Desk lamp</td>" in message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert not list(outbox.glob("*.part"))
