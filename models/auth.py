from typing import Any, Literal, Optional

from pydantic import BaseModel, Field

from models.base import InputModel
from models.totp import CODE_OR_RECOVERY


class LoginRequest(InputModel):
    email: str = Field(min_length=1, max_length=320, examples=["ada@example.com"])
    password: str = Field(min_length=1, max_length=128, examples=["Analytical1"])


class RefreshRequest(InputModel):
    refresh_token: Optional[str] = Field(default=None, min_length=1, max_length=256)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth2 token type, no secret)
    expires_in: int  # seconds until the access token expires


class TotpChallenge(BaseModel):
    """The password was right; the account signs in with a code too: send this token and the
    code to POST /auth/login/totp. It is no access token and opens nothing else."""

    totp_token: str
    expires_in: int  # seconds left to send the code


class TotpLoginRequest(InputModel):
    totp_token: str = Field(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")
    code: str = CODE_OR_RECOVERY


# The bodies the auth endpoints read themselves, as the OpenAPI document shows them.
LOGIN_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {"schema": LoginRequest},
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": ["username", "password"],
                "properties": {
                    "username": {
                        "type": "string",
                        "description": "your email",
                        "minLength": 1,
                        "maxLength": 320,
                    },
                    "password": {
                        "type": "string",
                        "format": "password",
                        "minLength": 1,
                        "maxLength": 128,
                    },
                    "grant_type": {"type": "string", "enum": ["password"]},
                    "scope": {"type": "string"},
                },
            }
        },
    },
}
REFRESH_BODY: dict[str, Any] = {
    "required": False,
    "description": "Or send no body and the refresh_token cookie set at login.",
    "content": {"application/json": {"schema": RefreshRequest}},
}
