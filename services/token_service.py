"""Access tokens: short-lived JWTs (PyJWT), and their revocation, shared by every worker and
replica through Redis.

Claims: sub (user id), role, sid (the refresh-token family = the login session), iat, nbf, exp,
iss, aud, and a unique jti. The accepted algorithm is pinned from settings, so "none" or a
different algorithm never verifies.
"""

import time
import uuid
from dataclasses import dataclass

import jwt
from redis.exceptions import RedisError

from config import Settings
from services.batching import Batcher
from services.errors import AuthenticationError, DependencyUnavailableError
from services.redis_service import RedisService

REQUIRED_CLAIMS = ["sub", "role", "sid", "iat", "nbf", "exp", "iss", "aud", "jti"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as the verified access token says."""

    user_id: int
    role: str
    session_id: str
    jti: str
    expires_at: int


class TokenService:
    def __init__(self, settings: Settings, redis: RedisService) -> None:
        self._settings = settings
        self._redis = redis
        self._key = settings.effective_jwt_secret.get_secret_value()
        self.lifetime = settings.jwt_expire_minutes * 60
        self._revocations: Batcher[Principal, bool] = Batcher(self._revoked)

    def issue(self, user_id: int, role: str, session_id: str) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id),
            "role": role,
            "sid": session_id,
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime,
            "iss": self._settings.jwt_issuer,
            "aud": self._settings.jwt_audience,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm=self._settings.jwt_algorithm)

    def decode(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[self._settings.jwt_algorithm],
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                leeway=self._settings.jwt_leeway_seconds,
                options={"require": REQUIRED_CLAIMS},
            )
            return Principal(
                user_id=int(claims["sub"]),
                role=str(claims["role"]),
                session_id=str(claims["sid"]),
                jti=str(claims["jti"]),
                expires_at=int(claims["exp"]),
            )
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise AuthenticationError("The access token is not valid.") from exc

    async def ensure_not_revoked(self, principal: Principal) -> None:
        """A logged-out token, or a revoked session (logout elsewhere, refresh-token reuse,
        password change, role change, deactivation). Concurrent checks of a worker share one
        MGET (services/batching.py)."""
        try:
            revoked = await self._revocations(principal)
        except (RedisError, OSError) as exc:
            raise DependencyUnavailableError("Token revocation cannot be checked.") from exc
        if revoked:
            raise AuthenticationError("The access token has been revoked.")

    async def _revoked(self, principals: list[Principal]) -> list[bool]:
        keys = []
        for principal in principals:
            keys.append(self._redis.key("revoked-jti", principal.jti))
            keys.append(self._redis.key("revoked-session", principal.session_id))
        found = await self._redis.client.mget(keys)
        return [found[i] is not None or found[i + 1] is not None for i in range(0, len(keys), 2)]

    async def revoke_token(self, principal: Principal) -> None:
        remaining = max(
            1, principal.expires_at + self._settings.jwt_leeway_seconds - int(time.time())
        )
        await self._redis.client.set(self._redis.key("revoked-jti", principal.jti), 1, ex=remaining)

    async def revoke_sessions(self, session_ids: list[str]) -> None:
        """Access tokens of these sessions stop working now (they live at most `lifetime`)."""
        if not session_ids:
            return
        ttl = self.lifetime + self._settings.jwt_leeway_seconds
        async with self._redis.client.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                pipe.set(self._redis.key("revoked-session", session_id), 1, ex=ttl)
            await pipe.execute()
