"""The account e-mails' requests: verification, password reset."""

from pydantic import BaseModel, Field, field_validator

from models.base import Email, InputModel
from models.user import PASSWORD_SCHEMA, strong_password

# secrets.token_urlsafe(32): 43 URL-safe characters; a little room, nothing else.
TOKEN_FIELD = Field(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")


class EmailTokenBody(InputModel):
    """The token from an e-mailed link."""

    token: str = TOKEN_FIELD


class PasswordResetBody(InputModel):
    """The token from a password-reset link, and the new password."""

    token: str = TOKEN_FIELD
    password: str = Field(min_length=8, max_length=128, json_schema_extra=PASSWORD_SCHEMA)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        return strong_password(value)


class EmailAddressBody(InputModel):
    email: Email = Field(examples=["ada@example.com"])


class Accepted(BaseModel):
    """The same answer whatever the address: whether an e-mail goes out is the mailbox's news."""

    detail: str


SENT_IF = "If the address has an account that needs it, an e-mail is on its way."
