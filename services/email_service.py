"""E-mail over SMTP with aiosmtplib (asyncio-native, maintained; smtplib would need a thread per
message). A message has a text and an HTML part, both rendered from templates/email/ with
Velithon's template engine (Handlebars: {{x}} is HTML-escaped, {{{x}}} is not, for the text
part), the same engine the pages use.

Without SMTP_HOST (development and tests only; production refuses to start without one) a
message is written whole (headers, text and HTML parts) to an .eml file in MAIL_DIR (default
.dev/mail/) instead of sent, so a developer can open it; the log line names the file, the
subject, the Message-ID and a redacted recipient, never the body. The SMTP password is a
SecretStr and is never logged.
"""

import asyncio
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any

import aiosmtplib
import structlog
from velithon.templates import TemplateEngine

from config import Settings
from services.errors import DomainError

log = structlog.get_logger(__name__)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "email"


class EmailDeliveryError(DomainError):
    """The SMTP server could not be reached or refused the message (the job is retried)."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    template: str  # templates/email/<template>.txt and .html
    context: dict[str, Any]
    message_id: str  # fixed per message, so a resent copy is recognisably the same one


def redacted(address: str) -> str:
    """ada@example.com -> a***@example.com"""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


class EmailService:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._templates = TemplateEngine(TEMPLATES, auto_reload=False)

    def compose(self, mail: Mail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = mail.message_id
        message.set_content(self._templates.render(f"{mail.template}.txt", mail.context))
        message.add_alternative(
            self._templates.render(f"{mail.template}.html", mail.context), subtype="html"
        )
        return message

    async def send(self, mail: Mail) -> None:
        """Hand the message to the SMTP server; raises when it does not take it (the job that
        sends it is retried)."""
        message = self.compose(mail)
        s = self._settings
        if not s.smtp_host:
            path = await asyncio.to_thread(write_eml, Path(s.mail_outbox), message, mail)
            log.info(
                "email_written_not_sent",
                file=str(path),
                to=redacted(mail.to),
                subject=mail.subject,
                message_id=mail.message_id,
                reason="SMTP_HOST is not set",
            )
            return
        try:
            await aiosmtplib.send(
                message,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                use_tls=s.smtp_tls == "tls",
                start_tls=s.smtp_tls == "starttls",
                timeout=s.smtp_timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # A domain error, not an OSError: raised inside a database transaction, an OSError
            # would read as the database going away (services/database_service.py).
            code = f" {exc.code}" if isinstance(exc, aiosmtplib.SMTPResponseException) else ""
            raise EmailDeliveryError(
                f"The SMTP server {s.smtp_host}:{s.smtp_port} (SMTP_TLS={s.smtp_tls}) did not "
                f"take the message to {redacted(mail.to)}: {type(exc).__name__}{code}"
            ) from exc
        log.info(
            "email_sent", to=redacted(mail.to), subject=mail.subject, message_id=mail.message_id
        )


def write_eml(directory: Path, message: EmailMessage, mail: Mail) -> Path:
    """The whole message as an .eml file (any mail client opens it), named by the time and the
    Message-ID so that `ls` lists them oldest first; written under a temporary name and renamed,
    so a reader never sees half of one."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")
    path = directory / f"{stamp}-{mail.message_id.strip('<>').replace('/', '_')}.eml"
    partial = path.with_suffix(".part")
    partial.write_bytes(message.as_bytes())
    os.replace(partial, path)
    return path


def message_id(kind: str, key: object, sender: str) -> str:
    """<order-confirmation.42@example.com>: the same for every try of one message."""
    domain = sender.rpartition("@")[2].rstrip(">").strip() or "localhost"
    return f"<{kind}.{key}@{domain}>"
