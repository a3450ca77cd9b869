"""Login, refresh-token rotation with reuse detection, logout.

Each refresh marks the presented token used and issues the next one of its session. A used
token presented again means it leaked: the whole session is revoked, in PostgreSQL (no more
refreshes) and in Redis (its access tokens stop working on every worker at once). Sessions
and the denylist: services/session_service.py.

Races are settled by row locks in PostgreSQL: a login reads its user row FOR SHARE and starts
the session only if the password hash it verified is still the stored one and the account is
active, so it cannot slip past a concurrent password change, role change or deactivation;
a refresh locks its token and its session, so it cannot slip past a concurrent logout.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Optional

import orjson
from redis.exceptions import RedisError

from config import Settings
from models.auth import TokenPair, TotpChallenge
from services.database_service import DatabaseService
from services.errors import (
    AuthenticationError,
    DependencyUnavailableError,
    PermissionDeniedError,
)
from services.password_service import PasswordService
from services.redis_service import RedisService
from services.session_service import Client, SessionService, token_digest
from services.token_service import Principal, TokenService
from services.totp_service import TotpService
from services.user_service import UserService

BAD_CREDENTIALS = "The email or password is wrong."
BAD_REFRESH = "The refresh token is not valid."
BAD_CHALLENGE = "The sign-in has expired or was completed; log in again."
NOT_VERIFIED = "Verify your e-mail address first: follow the link in the e-mail we sent."
LOCK_USER = (
    "SELECT role, is_active, password_hash, email_verified_at FROM users WHERE id = $1 FOR SHARE"
)
LOCK_REFRESH_ROW = (
    "SELECT t.id, t.session_id, t.expires_at, t.used_at, s.revoked_at, s.user_id, u.role, "
    "u.is_active, u.email_verified_at FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id "
    "JOIN users u ON u.id = s.user_id WHERE t.token_hash = $1 FOR UPDATE OF t, s FOR SHARE OF u"
)


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()


@dataclass(frozen=True)
class RefreshCookie:
    """How the refresh token travels as a cookie (endpoints/auth.py sets it)."""

    name: str
    max_age: int
    secure: bool


class AuthService:
    def __init__(
        self,
        settings: Settings,
        database: DatabaseService,
        users: UserService,
        passwords: PasswordService,
        tokens: TokenService,
        sessions: SessionService,
        redis: RedisService,
        totp: TotpService,
    ) -> None:
        self.cookie = RefreshCookie(
            name=settings.refresh_cookie_name,
            max_age=int(sessions.refresh_lifetime.total_seconds()),
            secure=settings.secure_cookies,
        )
        self._unverified = settings.unverified_accounts
        self._challenge_ttl = settings.totp_challenge_seconds
        self._redis = redis
        self._totp = totp
        self._db = database
        self._users = users
        self._passwords = passwords
        self._tokens = tokens
        self._sessions = sessions

    async def login(
        self, email: str, password: str, client: Optional[Client] = None
    ) -> TokenPair | TotpChallenge:
        """The token pair; or, for an account with two-factor sign-in, a challenge that only
        POST /auth/login/totp takes, with a code (complete_totp)."""
        user = await self._users.find_by_email(email)
        # Always verify, against a dummy hash if there is no such user: same time, same answer.
        valid = await self._passwords.verify(user.password_hash if user else None, password)
        if user is None or not valid or not user.is_active:
            raise AuthenticationError(BAD_CREDENTIALS)
        upgraded = None
        if self._passwords.needs_rehash(user.password_hash):
            upgraded = await self._passwords.hash_password(password)
        async with self._db.transaction() as conn:
            current = await conn.fetchrow(LOCK_USER, user.id)
            if (
                current is None
                or not current["is_active"]
                or current["password_hash"] != user.password_hash
            ):
                raise AuthenticationError(BAD_CREDENTIALS)
            verified = current["email_verified_at"] is not None
            if not verified and self._unverified == "blocked":
                # Only after the right password: nobody learns this of an account they can't use.
                raise PermissionDeniedError(NOT_VERIFIED)
            if upgraded is not None:
                await conn.execute(
                    "UPDATE users SET password_hash = $2 WHERE id = $1", user.id, upgraded
                )
            if await self._totp.enabled(conn, user.id):
                challenged = upgraded or current["password_hash"]
            else:
                session_id, refresh_token = await self._sessions.start(conn, user.id, client)
                return self._pair(user.id, current["role"], session_id, refresh_token, verified)
        return await self._challenge(user.id, challenged)

    async def _challenge(self, user_id: int, password_hash: str) -> TotpChallenge:
        """The first step's answer: a random token, in Redis for TOTP_CHALLENGE_SECONDS under
        its SHA-256, naming the user and the password hash it was issued for."""
        token = secrets.token_urlsafe(32)
        value = orjson.dumps({"user_id": user_id, "password": _fingerprint(password_hash)})
        try:
            await self._redis.client.set(self._challenge_key(token), value, ex=self._challenge_ttl)
        except (RedisError, OSError) as exc:
            raise DependencyUnavailableError("Sign-in is unavailable.") from exc
        return TotpChallenge(totp_token=token, expires_in=self._challenge_ttl)

    async def complete_totp(
        self, totp_token: str, code: str, client: Optional[Client] = None
    ) -> TokenPair:
        """The second step: the challenge and a code (TOTP or recovery); the pair. The
        challenge works once; wrong codes are counted per account (services/totp_service.py)."""
        key = self._challenge_key(totp_token)
        try:
            raw = await self._redis.client.get(key)
        except (RedisError, OSError) as exc:
            raise DependencyUnavailableError("Sign-in is unavailable.") from exc
        if raw is None:
            raise AuthenticationError(BAD_CHALLENGE)
        challenge = orjson.loads(raw)
        user_id = int(challenge["user_id"])
        await self._totp.check(user_id, code)
        try:
            if not await self._redis.client.delete(key):  # a concurrent second step won
                raise AuthenticationError(BAD_CHALLENGE)
        except (RedisError, OSError) as exc:
            raise DependencyUnavailableError("Sign-in is unavailable.") from exc
        async with self._db.transaction() as conn:
            current = await conn.fetchrow(LOCK_USER, user_id)
            if (
                current is None
                or not current["is_active"]
                or _fingerprint(current["password_hash"]) != challenge["password"]
            ):
                raise AuthenticationError(BAD_CHALLENGE)
            session_id, refresh_token = await self._sessions.start(conn, user_id, client)
        verified = current["email_verified_at"] is not None
        return self._pair(user_id, current["role"], session_id, refresh_token, verified)

    def _challenge_key(self, token: str) -> str:
        return self._redis.key("totp-challenge", hashlib.sha256(token.encode()).hexdigest())

    async def refresh(self, refresh_token: str) -> TokenPair:
        reused = None
        async with self._db.transaction() as conn:
            row = await conn.fetchrow(LOCK_REFRESH_ROW, token_digest(refresh_token))
            if row is None or row["revoked_at"] is not None:
                raise AuthenticationError(BAD_REFRESH)
            session_id = str(row["session_id"])
            if row["used_at"] is not None:
                reused = session_id
                await self._sessions.revoke(conn, [session_id])
            elif row["expires_at"] <= datetime.now(UTC) or not row["is_active"]:
                raise AuthenticationError(BAD_REFRESH)
            else:
                await conn.execute(
                    "UPDATE refresh_tokens SET used_at = now() WHERE id = $1", row["id"]
                )
                token = await self._sessions.issue_refresh_token(conn, session_id)
                verified = row["email_verified_at"] is not None
                return self._pair(row["user_id"], row["role"], session_id, token, verified)
        # Outside the transaction, so the revocation is committed before Redis hears of it.
        await self._sessions.publish([reused])
        raise AuthenticationError(BAD_REFRESH)

    async def logout(self, principal: Principal) -> None:
        async with self._db.transaction() as conn:
            await self._sessions.revoke(conn, [principal.session_id])
        await self._sessions.publish([principal.session_id])

    def _pair(
        self, user_id: int, role: str, session_id: str, refresh_token: str, verified: bool
    ) -> TokenPair:
        return TokenPair(
            access_token=self._tokens.issue(user_id, role, str(uuid.UUID(session_id)), verified),
            refresh_token=refresh_token,
            expires_in=self._tokens.lifetime,
        )
