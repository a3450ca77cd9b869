"""Login, refresh-token rotation with reuse detection, logout, session revocation.

A login starts a session: a family of refresh tokens. Each refresh marks the presented token
used and issues the next one of the family. A used token presented again means it leaked: the
whole family is revoked, in PostgreSQL (no more refreshes) and in Redis (its access tokens stop
working on every worker at once). Refresh tokens are random; only their SHA-256 is stored.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Optional

import asyncpg

from config import Settings
from models.auth import TokenPair
from services.database_service import DatabaseService
from services.errors import AuthenticationError
from services.password_service import PasswordService
from services.token_service import Principal, TokenService
from services.user_service import UserService

BAD_CREDENTIALS = "The email or password is wrong."
BAD_REFRESH = "The refresh token is not valid."


@dataclass(frozen=True)
class RefreshCookie:
    """How the refresh token travels as a cookie (endpoints/auth.py sets it)."""

    name: str
    max_age: int
    secure: bool


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class AuthService:
    def __init__(
        self,
        settings: Settings,
        database: DatabaseService,
        users: UserService,
        passwords: PasswordService,
        tokens: TokenService,
    ) -> None:
        self._refresh_lifetime = timedelta(days=settings.refresh_token_days)
        self.cookie = RefreshCookie(
            name=settings.refresh_cookie_name,
            max_age=int(self._refresh_lifetime.total_seconds()),
            secure=settings.secure_cookies,
        )
        self._db = database
        self._users = users
        self._passwords = passwords
        self._tokens = tokens

    async def login(self, email: str, password: str) -> TokenPair:
        user = await self._users.find_by_email(email)
        # Always verify, against a dummy hash if there is no such user: same time, same answer.
        valid = await self._passwords.verify(user.password_hash if user else None, password)
        if user is None or not valid or not user.is_active:
            raise AuthenticationError(BAD_CREDENTIALS)
        if self._passwords.needs_rehash(user.password_hash):
            upgraded = await self._passwords.hash_password(password)
            await self._users.set_password_hash(user.id, upgraded)
        async with self._db.connection() as conn:
            return await self._issue(conn, user.id, user.role, str(uuid.uuid4()))

    async def refresh(self, refresh_token: str) -> TokenPair:
        reused_family = None
        async with self._db.connection() as conn, conn.transaction():
            row = await conn.fetchrow(
                "SELECT t.id, t.user_id, t.family_id, t.expires_at, t.used_at, t.revoked_at, "
                "u.role, u.is_active FROM refresh_tokens t JOIN users u ON u.id = t.user_id "
                "WHERE t.token_hash = $1 FOR UPDATE OF t",
                _digest(refresh_token),
            )
            if row is None or row["revoked_at"] is not None:
                raise AuthenticationError(BAD_REFRESH)
            if row["used_at"] is not None:
                reused_family = str(row["family_id"])
                await self._revoke_families(conn, [reused_family])
            elif row["expires_at"] <= datetime.now(UTC) or not row["is_active"]:
                raise AuthenticationError(BAD_REFRESH)
            else:
                await conn.execute(
                    "UPDATE refresh_tokens SET used_at = now() WHERE id = $1", row["id"]
                )
                return await self._issue(conn, row["user_id"], row["role"], str(row["family_id"]))
        # Outside the transaction, so the revocation is committed before we answer.
        await self._tokens.revoke_sessions([reused_family])
        raise AuthenticationError(BAD_REFRESH)

    async def logout(self, principal: Principal) -> None:
        async with self._db.connection() as conn:
            await self._revoke_families(conn, [principal.session_id])
        await self._tokens.revoke_sessions([principal.session_id])
        await self._tokens.revoke_token(principal)

    async def revoke_other_sessions(self, user_id: int, keep_session: str) -> None:
        await self._revoke_user_sessions(user_id, except_session=keep_session)

    async def revoke_all_sessions(self, user_id: int) -> None:
        await self._revoke_user_sessions(user_id, except_session=None)

    async def _revoke_user_sessions(self, user_id: int, except_session: Optional[str]) -> None:
        rows = await self._db.fetch(
            "UPDATE refresh_tokens SET revoked_at = now() "
            "WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR family_id <> $2) "
            "RETURNING family_id",
            user_id,
            None if except_session is None else uuid.UUID(except_session),
        )
        await self._tokens.revoke_sessions(sorted({str(r["family_id"]) for r in rows}))

    async def _issue(
        self, conn: asyncpg.Connection, user_id: int, role: str, family_id: str
    ) -> TokenPair:
        refresh_token = secrets.token_urlsafe(32)
        await conn.execute(
            "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) "
            "VALUES ($1, $2, $3, $4)",
            user_id,
            uuid.UUID(family_id),
            _digest(refresh_token),
            datetime.now(UTC) + self._refresh_lifetime,
        )
        return TokenPair(
            access_token=self._tokens.issue(user_id, role, family_id),
            refresh_token=refresh_token,
            expires_in=self._tokens.lifetime,
        )

    @staticmethod
    async def _revoke_families(conn: asyncpg.Connection, family_ids: list[str]) -> None:
        await conn.execute(
            "UPDATE refresh_tokens SET revoked_at = now() "
            "WHERE family_id = ANY($1::uuid[]) AND revoked_at IS NULL",
            [uuid.UUID(f) for f in family_ids],
        )
