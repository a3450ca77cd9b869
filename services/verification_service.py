"""E-mail address verification: signup queues the e-mail (services/user_service.py), anyone
may ask for it again by address (the same answer whether or not the address has an account),
and the link's token, used once, marks the address verified. What an account may do before
that is UNVERIFIED_ACCOUNTS (middleware/auth.py, services/auth_service.py)."""

from datetime import timedelta

import asyncpg

from config import Settings
from services.account_token_service import VERIFY_EMAIL, AccountTokenService, digest
from services.database_service import DatabaseService
from services.email_service import Mail, message_id
from services.errors import LinkUsedError

PAGE = "/account/verify-email"  # the page the e-mail links to (endpoints/account_pages.py)


def _address(account: asyncpg.Record) -> bytes:
    return digest(account["email"].lower())


class VerificationService:
    def __init__(
        self, settings: Settings, database: DatabaseService, tokens: AccountTokenService
    ) -> None:
        self._settings = settings
        self._db = database
        self._tokens = tokens
        self._lifetime = timedelta(hours=settings.email_verification_hours)

    async def resend(self, email: str) -> None:
        """Queue the e-mail again; sent only if the address has an unverified account."""
        await self._tokens.limit(VERIFY_EMAIL, email)
        await self._tokens.request(VERIFY_EMAIL, email)

    async def send_link(self, email: str, request_id: str) -> None:
        """The job (containers.py: job_worker)."""
        await self._tokens.send(
            VERIFY_EMAIL,
            email,
            request_id,
            self._lifetime,
            PAGE,
            wanted=lambda account: account["email_verified_at"] is None,
            bound_to=_address,
            compose=self._mail,
        )

    async def verify(self, token: str) -> None:
        """Use the token: its account's address is verified from now on."""
        async with self._db.transaction() as conn:
            used = await self._tokens.use(conn, VERIFY_EMAIL, token)
            account = await conn.fetchrow(
                "SELECT email FROM users WHERE id = $1 FOR UPDATE", used["user_id"]
            )
            if account is None or _address(account) != used["bound_to"]:
                raise LinkUsedError("This link is for an address the account no longer has.")
            await conn.execute(
                "UPDATE users SET email_verified_at = now() WHERE id = $1 "
                "AND email_verified_at IS NULL",
                used["user_id"],
            )
            await self._tokens.void(conn, used["user_id"], VERIFY_EMAIL)

    def _mail(self, account: asyncpg.Record, link: str, request_id: object) -> Mail:
        app_name = self._settings.app_name
        return Mail(
            to=account["email"],
            subject=f"Verify your e-mail address for {app_name}",
            template="verify_email",
            context={
                "name": account["name"],
                "link": link,
                "hours": self._settings.email_verification_hours,
                "app_name": app_name,
            },
            message_id=message_id("verify-email", request_id, self._settings.mail_from),
        )
