"""Access tokens: short-lived JWTs (PyJWT). Whether a token's session has ended is the
session service's question (services/session_service.py).

Claims: sub (user id), role, sid (the refresh-token family = the login session), ev (whether
the account's e-mail address was verified when the token was issued), iat, nbf, exp, iss, aud,
and a unique jti. The accepted algorithm is pinned from settings, so "none" or a
different algorithm never verifies.
"""

import time
import uuid
from dataclasses import dataclass

import jwt

from config import Settings
from services.errors import AuthenticationError

REQUIRED_CLAIMS = ["sub", "role", "sid", "iat", "nbf", "exp", "iss", "aud", "jti"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as the verified access token says."""

    user_id: int
    role: str
    session_id: str
    jti: str
    expires_at: int
    email_verified: bool = True


class TokenService:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._key = settings.effective_jwt_secret.get_secret_value()
        self.lifetime = settings.jwt_expire_minutes * 60

    def issue(self, user_id: int, role: str, session_id: str, email_verified: bool = True) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id),
            "role": role,
            "sid": session_id,
            "ev": email_verified,
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
                session_id=str(uuid.UUID(str(claims["sid"]))),
                jti=str(claims["jti"]),
                expires_at=int(claims["exp"]),
                # Tokens from before verification existed carry no ev: their accounts were
                # marked verified by the migration that added it.
                email_verified=claims.get("ev") is not False,
            )
        except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
            raise AuthenticationError("The access token is not valid.") from exc
