"""Two-factor sign-in with TOTP (RFC 6238: 6 digits, 30-second steps, SHA-1, as every
authenticator app expects).

Libraries: pyotp (maintained, typed, RFC 4226/6238 and the otpauth:// URI apps scan) for the
codes; segno (pure Python, no dependencies, SVG output) for the enrolment QR code: no image
library needed, and the SVG goes to the client as a data: URI; cryptography's Fernet
(AES-CBC + HMAC, authenticated) keeps the secret encrypted at rest with TOTP_ENCRYPTION_KEY
(or a key derived from SECRET_KEY with HKDF when that is not set).

- Enrol (with the password): a new secret, shown once (the URI and its QR code), pending until
  a first code confirms it; confirming gives 10 one-time recovery codes, shown once, stored as
  HMAC-SHA256 under a key derived from the same secret key (a leaked table reveals none).
- Every check of a code locks the account's factor row: a code of a time step at or before the
  last one accepted is refused (no replay within the window, on any worker), and after
  TOTP_MAX_FAILURES failures the factor is locked for TOTP_LOCK_MINUTES (429). The failure is
  committed before the refusal is raised.
- Disable with the password and a code (or a recovery code).
"""

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Optional

import asyncpg
import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from config import Settings
from services.database_service import DatabaseService
from services.errors import (
    ConflictError,
    InvalidFieldError,
    TooManyRequestsError,
    WrongPasswordError,
)
from services.password_service import PasswordService

WINDOW = 1  # steps either side of now that are accepted (clock drift, typing time)
RECOVERY_CODES = 10
FACTOR = (
    "SELECT secret, confirmed_at, last_step, failures, locked_until FROM totp_factors "
    "WHERE user_id = $1 FOR UPDATE"
)
WRONG_CODE = "The code is not valid (or was used already)."


def derived_key(settings: Settings, purpose: bytes) -> bytes:
    """32 bytes for `purpose` from SECRET_KEY (HKDF-SHA256): one secret, separate keys."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose)
    return hkdf.derive(settings.secret_key.get_secret_value().encode())


def fernet(settings: Settings) -> Fernet:
    if settings.totp_encryption_key is not None:
        return Fernet(settings.totp_encryption_key.get_secret_value())
    return Fernet(base64.urlsafe_b64encode(derived_key(settings, b"totp-secret")))


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, for typing in by hand
    otpauth_uri: str
    qr_svg: str  # data: URI of the QR code of the URI


class TotpService:
    def __init__(
        self, settings: Settings, database: DatabaseService, passwords: PasswordService
    ) -> None:
        self._settings = settings
        self._db = database
        self._passwords = passwords
        self._fernet = fernet(settings)
        self._recovery_key = derived_key(settings, b"totp-recovery-codes")
        self._lock = timedelta(minutes=settings.totp_lock_minutes)

    async def enabled(self, conn: asyncpg.Connection, user_id: int) -> bool:
        return bool(
            await conn.fetchval(
                "SELECT confirmed_at IS NOT NULL FROM totp_factors WHERE user_id = $1", user_id
            )
        )

    async def _verify_password(self, user_id: int, password: str) -> str:
        """The account's e-mail address, if `password` is its password (403 otherwise)."""
        row = await self._db.fetchrow(
            "SELECT email, password_hash FROM users WHERE id = $1", user_id
        )
        if row is None or not await self._passwords.verify(row["password_hash"], password):
            raise WrongPasswordError("password", "The password is wrong.")
        return str(row["email"])

    async def status(self, user_id: int) -> dict[str, object]:
        row = await self._db.fetchrow(
            "SELECT f.confirmed_at, (SELECT count(*) FROM totp_recovery_codes r "
            "WHERE r.user_id = $1 AND r.used_at IS NULL) AS left FROM totp_factors f "
            "WHERE f.user_id = $1",
            user_id,
        )
        enabled = row is not None and row["confirmed_at"] is not None
        return {
            "enabled": enabled,
            "pending": row is not None and not enabled,
            "recovery_codes_left": int(row["left"]) if enabled and row is not None else 0,
        }

    async def enrol(self, user_id: int, password: str) -> Enrolment:
        email = await self._verify_password(user_id, password)
        secret = pyotp.random_base32()
        async with self._db.transaction() as conn:
            done = await conn.fetchval(
                "INSERT INTO totp_factors (user_id, secret) VALUES ($1, $2) "
                "ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, "
                "last_step = NULL, failures = 0, locked_until = NULL, created_at = now() "
                "WHERE totp_factors.confirmed_at IS NULL RETURNING true",
                user_id,
                self._fernet.encrypt(secret.encode()),
            )
        if not done:
            raise ConflictError("Two-factor sign-in is on already; disable it first.")
        uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=self._settings.app_name)
        return Enrolment(secret, uri, segno.make(uri, micro=False).svg_data_uri(scale=4))

    async def confirm(self, user_id: int, code: str) -> list[str]:
        """The first code turns the pending factor on; the recovery codes (shown once)."""
        codes = [self._new_recovery_code() for _ in range(RECOVERY_CODES)]
        await self.check(user_id, code, pending=True)
        async with self._db.transaction() as conn:
            confirmed = await conn.fetchval(
                "UPDATE totp_factors SET confirmed_at = now() WHERE user_id = $1 "
                "AND confirmed_at IS NULL RETURNING true",
                user_id,
            )
            if not confirmed:
                raise ConflictError("Two-factor sign-in is on already.")
            await conn.executemany(
                "INSERT INTO totp_recovery_codes (user_id, code_hash) VALUES ($1, $2)",
                [(user_id, self._recovery_digest(c)) for c in codes],
            )
        return codes

    async def disable(self, user_id: int, password: str, code: str) -> None:
        await self._verify_password(user_id, password)
        await self.check(user_id, code)
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM totp_factors WHERE user_id = $1", user_id)
            await conn.execute("DELETE FROM totp_recovery_codes WHERE user_id = $1", user_id)

    async def check(self, user_id: int, code: str, pending: bool = False) -> None:
        """Accept `code` (a TOTP code, or a recovery code unless `pending`) once, or count a
        failure; raises when refused. Locks the factor row while it decides."""
        async with self._db.transaction() as conn:
            factor = await conn.fetchrow(FACTOR, user_id)
            if factor is None or (factor["confirmed_at"] is None) != pending:
                raise ConflictError(
                    "Enrol first." if pending else "Two-factor sign-in is not on for this account."
                )
            now = datetime.now(UTC)
            if factor["locked_until"] is not None and factor["locked_until"] > now:
                wait = int((factor["locked_until"] - now).total_seconds()) + 1
                raise TooManyRequestsError("Too many wrong codes; try again later.", wait)
            step = self._matching_step(factor, code)
            if step is not None:
                await conn.execute(
                    "UPDATE totp_factors SET last_step = $2, failures = 0, locked_until = NULL "
                    "WHERE user_id = $1",
                    user_id,
                    step,
                )
                return
            if not pending and await self._use_recovery_code(conn, user_id, code):
                await conn.execute(
                    "UPDATE totp_factors SET failures = 0 WHERE user_id = $1", user_id
                )
                return
            failures = factor["failures"] + 1
            locked = failures >= self._settings.totp_max_failures
            await conn.execute(
                "UPDATE totp_factors SET failures = $2, locked_until = $3 WHERE user_id = $1",
                user_id,
                0 if locked else failures,
                now + self._lock if locked else None,
            )
        raise InvalidFieldError("code", WRONG_CODE)  # after the commit: the failure counts

    def _matching_step(self, factor: asyncpg.Record, code: str) -> Optional[int]:
        if not (len(code) == 6 and code.isdigit()):
            return None
        try:
            secret = self._fernet.decrypt(bytes(factor["secret"])).decode()
        except InvalidToken:  # the key changed: nobody can pass; say so in the log, not here
            raise RuntimeError(
                "TOTP secret does not decrypt: TOTP_ENCRYPTION_KEY changed?"
            ) from None
        totp = pyotp.TOTP(secret)
        now = totp.timecode(time.time())
        last = factor["last_step"]
        for step in range(now - WINDOW, now + WINDOW + 1):
            if (last is None or step > last) and hmac.compare_digest(totp.generate_otp(step), code):
                return step
        return None

    async def _use_recovery_code(self, conn: asyncpg.Connection, user_id: int, code: str) -> bool:
        used = await conn.fetchval(
            "UPDATE totp_recovery_codes SET used_at = now() WHERE user_id = $1 "
            "AND code_hash = $2 AND used_at IS NULL RETURNING true",
            user_id,
            self._recovery_digest(code),
        )
        return bool(used)

    def _new_recovery_code(self) -> str:
        raw = secrets.token_hex(8)
        return "-".join(raw[i : i + 4] for i in range(0, 16, 4))

    def _recovery_digest(self, code: str) -> bytes:
        normal = code.strip().lower().replace("-", "")
        return hmac.new(self._recovery_key, normal.encode(), hashlib.sha256).digest()
