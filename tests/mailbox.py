"""Reading the account e-mails the tests' SMTP server received: the link, and its token."""

import html as markup
import re
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from tests.smtp import SmtpServer

LINK = re.compile(r"https?://[^\s\"<>]+\?token=([A-Za-z0-9_-]+)")


def parts(message: EmailMessage) -> tuple[str, str]:
    """(text, html) of a message."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None, "both a text and an HTML part"
    return str(text.get_content()), str(html.get_content())  # type: ignore[attr-defined]


def link_of(message: EmailMessage) -> tuple[str, str]:
    """(link, token) of an account e-mail; both parts carry the same link."""
    text, html = parts(message)
    found = LINK.search(text)
    assert found is not None, text
    assert f'href="{found.group(0)}"' in markup.unescape(html), html  # {{link}} escapes "="
    return found.group(0), found.group(1)


def mail_to(
    smtp: SmtpServer, address: str, count: int = 1, subject: str = ""
) -> list[EmailMessage]:
    """The messages to `address` (whose subject starts with `subject`) once `count` arrived."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = [
            m for m in smtp.messages if m["To"] == address and m["Subject"].startswith(subject)
        ]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} messages to {address}")


def settle(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert check(), "timed out"


def link_in(
    smtp: SmtpServer, db: Any, address: str, count: int = 1, subject: str = ""
) -> tuple[str, str]:
    """(link, token) of the `count`th e-mail to `address` (whose subject starts with
    `subject`), once its job has committed (the SMTP server has the message a moment before
    the token is stored)."""
    message = mail_to(smtp, address, count, subject)[count - 1]
    settle(lambda: db.fetchval("SELECT count(*) FROM pgqueuer") == 0)
    return link_of(message)
