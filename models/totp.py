"""Two-factor sign-in (TOTP): enrolment, confirmation, status, disabling."""

from pydantic import BaseModel, Field

from models.base import InputModel

SIX_DIGITS = Field(pattern=r"^[0-9]{6}$", examples=["123456"], description="from the app")
CODE_OR_RECOVERY = Field(
    min_length=6,
    max_length=19,
    pattern=r"^([0-9]{6}|[0-9a-fA-F]{4}(-?[0-9a-fA-F]{4}){3})$",
    description="the 6-digit code of the authenticator app, or a recovery code",
    examples=["123456"],
)
PASSWORD = Field(min_length=1, max_length=128)


class TotpEnrolRequest(InputModel):
    password: str = PASSWORD


class TotpEnrolment(BaseModel):
    """Shown once: scan the QR code (or type the secret) into an authenticator app, then
    confirm with its first code."""

    secret: str
    otpauth_uri: str
    qr_svg: str  # a data: URI of an SVG image


class TotpConfirmRequest(InputModel):
    code: str = SIX_DIGITS


class RecoveryCodes(BaseModel):
    """Shown once: each signs in once instead of a code, when the app is lost."""

    recovery_codes: list[str]


class TotpDisableRequest(InputModel):
    password: str = PASSWORD
    code: str = CODE_OR_RECOVERY


class TotpStatus(BaseModel):
    enabled: bool
    pending: bool  # enrolled, not yet confirmed
    recovery_codes_left: int
