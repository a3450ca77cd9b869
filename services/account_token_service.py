"""The single-use tokens of e-mailed links (address verification, password reset), and the
durable jobs that send them.

A request for such an e-mail only enqueues a job carrying the address and a request id
(services/job_service.py): the same statements whether or not the address has an account, so
neither the answer nor its time tells. The job, in one transaction, finds the account, makes
a random token, stores its SHA-256 (never the token) in `account_tokens` under the request
id, and sends the link. A retried job finds its row and sends nothing twice; a crash after
the SMTP server took the message and before the commit sends a second e-mail whose link works
(the first one's never did). Using a token marks it used, in the transaction of what it does.
"""

import hashlib
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal, Optional

import asyncpg

from config import Settings
from services.database_service import DatabaseService
from services.email_service import EmailService, Mail
from services.errors import (
    LinkExpiredError,
    LinkNotValidError,
    LinkUsedError,
    TooManyRequestsError,
)
from services.job_service import JobQueue
from services.rate_limit_service import RateLimitService

Purpose = Literal["verify_email", "reset_password"]
# Each is also the entrypoint of its e-mail's durable job (containers.py: job_worker).
VERIFY_EMAIL: Purpose = "verify_email"
RESET_PASSWORD: Purpose = "reset_password"  # noqa: S105 (a job's name, no secret)
# The account row a job needs, found by address (case-insensitively, as logins find it).
ACCOUNT = (
    "SELECT id, email, name, password_hash, is_active, email_verified_at FROM users "
    "WHERE lower(email) = lower($1) FOR SHARE"
)
CLAIM = (
    "INSERT INTO account_tokens (id, user_id, purpose, token_hash, bound_to, expires_at) "
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id"
)
USE = (
    "UPDATE account_tokens SET used_at = now() WHERE token_hash = $1 AND purpose = $2 "
    "AND used_at IS NULL AND expires_at > now() RETURNING user_id, bound_to"
)
WHY_NOT = (
    "SELECT used_at IS NOT NULL AS used FROM account_tokens WHERE token_hash = $1 AND purpose = $2"
)
# What the e-mail says: (account row, the link, the request id) -> the message.
Compose = Callable[[asyncpg.Record, str, uuid.UUID], Mail]


def digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


class AccountTokenService:
    def __init__(
        self,
        settings: Settings,
        database: DatabaseService,
        jobs: JobQueue,
        email: EmailService,
        rate_limits: RateLimitService,
    ) -> None:
        self._settings = settings
        self._db = database
        self._jobs = jobs
        self._email = email
        self._rate_limits = rate_limits

    async def limit(self, purpose: Purpose, email: str) -> None:
        """At most ACCOUNT_MAIL_PER_ADDRESS_PER_MINUTE requests a minute for one address,
        counted whether or not it has an account (so a refusal tells nothing either)."""
        address = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        limit = self._settings.account_mail_per_address_per_minute
        decision = await self._rate_limits.hit(f"{purpose}:address:{address}", limit)
        if not decision.allowed:
            raise TooManyRequestsError(
                "Too many requests for this address; try again later.", decision.reset_seconds
            )

    async def request(
        self, purpose: Purpose, email: str, conn: Optional[asyncpg.Connection] = None
    ) -> None:
        """Queue the e-mail for `email` (in the caller's transaction `conn`, if given)."""
        request_id = str(uuid.uuid4())
        payload = {"email": email, "request_id": request_id}
        if conn is not None:
            await self._jobs.enqueue(conn, purpose, payload, dedupe_key=f"{purpose}:{request_id}")
            return
        async with self._db.transaction() as own:
            await self._jobs.enqueue(own, purpose, payload, dedupe_key=f"{purpose}:{request_id}")

    async def send(
        self,
        purpose: Purpose,
        email: str,
        request_id: str,
        lifetime: timedelta,
        page: str,
        wanted: Callable[[asyncpg.Record], bool],
        bound_to: Callable[[asyncpg.Record], bytes],
        compose: Compose,
    ) -> None:
        """The job: if the account exists and `wanted` says so, a token and its e-mail, once."""
        async with self._db.transaction() as conn:
            account = await conn.fetchrow(ACCOUNT, email)
            if account is None or not account["is_active"] or not wanted(account):
                return  # no such account (the request said nothing), or nothing to do
            token = secrets.token_urlsafe(32)
            claimed = await conn.fetchval(
                CLAIM,
                uuid.UUID(request_id),
                account["id"],
                purpose,
                digest(token),
                bound_to(account),
                datetime.now(UTC) + lifetime,
            )
            if claimed is None:
                return  # an earlier try of this job sent it
            link = f"{self._settings.public_url}{page}?token={token}"
            await self._email.send(compose(account, link, uuid.UUID(request_id)))

    async def use(self, conn: asyncpg.Connection, purpose: Purpose, token: str) -> asyncpg.Record:
        """Mark the token used (in the caller's transaction); (user_id, bound_to) of it.
        Raises when it was never issued, was used, or has expired."""
        row = await conn.fetchrow(USE, digest(token), purpose)
        if row is not None:
            return row
        used = await conn.fetchval(WHY_NOT, digest(token), purpose)
        if used is None:
            raise LinkNotValidError("This link is not valid (mistyped or altered?).")
        if used:
            raise LinkUsedError("This link was used already; each works once.")
        raise LinkExpiredError("This link has expired; ask for a new one.")

    async def void(self, conn: asyncpg.Connection, user_id: int, purpose: Purpose) -> None:
        """No unused token of the user for `purpose` works any more."""
        await conn.execute(
            "UPDATE account_tokens SET used_at = now() "
            "WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
            user_id,
            purpose,
        )
