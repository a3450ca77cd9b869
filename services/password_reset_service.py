"""Password reset by e-mail ("forgot password").

Asking (request): the same statements whatever the address (a rate-limit count in Redis and a
job in PostgreSQL); users are not even looked up, so neither the answer nor its time says
whether the address has an account. The job (send_link) e-mails a link only to an active
account. Its token is bound to the password hash it replaces: any later password change voids
it. Using it (reset) sets the new password, marks the address verified (the link reached it),
and ends every session of the user in the same transaction; the denylist is told after the
commit, so access tokens stop at once on every worker (services/session_service.py).
"""

from datetime import timedelta

import asyncpg

from config import Settings
from services.account_token_service import RESET_PASSWORD, AccountTokenService, digest
from services.database_service import DatabaseService
from services.email_service import Mail, message_id
from services.errors import LinkUsedError
from services.password_service import PasswordService
from services.session_service import SessionService

PAGE = "/account/reset-password"  # the page the e-mail links to (endpoints/account_pages.py)
REPLACED = "This link no longer works: the password was changed after it was sent."


def _password(account: asyncpg.Record) -> bytes:
    return digest(account["password_hash"])


class PasswordResetService:
    def __init__(
        self,
        settings: Settings,
        database: DatabaseService,
        tokens: AccountTokenService,
        passwords: PasswordService,
        sessions: SessionService,
    ) -> None:
        self._settings = settings
        self._db = database
        self._tokens = tokens
        self._passwords = passwords
        self._sessions = sessions
        self._lifetime = timedelta(minutes=settings.password_reset_minutes)

    async def request(self, email: str) -> None:
        """Queue the reset e-mail; sent only if the address has an active account."""
        await self._tokens.limit(RESET_PASSWORD, email)
        await self._tokens.request(RESET_PASSWORD, email)

    async def send_link(self, email: str, request_id: str) -> None:
        """The job (containers.py: job_worker)."""
        await self._tokens.send(
            RESET_PASSWORD,
            email,
            request_id,
            self._lifetime,
            PAGE,
            wanted=lambda account: True,
            bound_to=_password,
            compose=self._mail,
        )

    async def reset(self, token: str, password: str) -> None:
        """Use the token: the new password, and every session of the user ends."""
        new_hash = await self._passwords.hash_password(password)  # before: it takes a while
        async with self._db.transaction() as conn:
            used = await self._tokens.use(conn, RESET_PASSWORD, token)
            user_id = used["user_id"]
            account = await conn.fetchrow(
                "SELECT password_hash, is_active FROM users WHERE id = $1 FOR UPDATE", user_id
            )
            if (
                account is None
                or not account["is_active"]
                or _password(account) != used["bound_to"]
            ):
                raise LinkUsedError(REPLACED)
            await conn.execute(
                "UPDATE users SET password_hash = $2, "
                "email_verified_at = coalesce(email_verified_at, now()) WHERE id = $1",
                user_id,
                new_hash,
            )
            await self._tokens.void(conn, user_id, RESET_PASSWORD)
            ended = await self._sessions.revoke_for_user(conn, user_id)
        await self._sessions.publish(ended)

    def _mail(self, account: asyncpg.Record, link: str, request_id: object) -> Mail:
        app_name = self._settings.app_name
        return Mail(
            to=account["email"],
            subject=f"Reset your password for {app_name}",
            template="reset_password",
            context={
                "name": account["name"],
                "link": link,
                "minutes": self._settings.password_reset_minutes,
                "app_name": app_name,
            },
            message_id=message_id("reset-password", request_id, self._settings.mail_from),
        )
