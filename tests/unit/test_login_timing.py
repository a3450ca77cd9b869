"""No user enumeration by timing: a login with an unknown email costs one argon2
verification, as a wrong password does (against a dummy hash). Counted, not timed."""

from datetime import timedelta
from typing import Any, Literal, Optional

import pytest
from argon2 import PasswordHasher
from pydantic import SecretStr

from config import Settings
from services.auth_service import AuthService
from services.errors import AuthenticationError
from services.password_service import PasswordService

SETTINGS = Settings(
    database_url=SecretStr("postgresql://u@db/app"),
    redis_url=SecretStr("redis://r/0"),
    argon2_time_cost=1,
    argon2_memory_cost=1024,
    argon2_parallelism=1,
)


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verified.append(str(hash))
        return super().verify(hash, password)


class OneUser:
    """The user service's lookup, with one known account."""

    def __init__(self, password_hash: str) -> None:
        self.row = type("Row", (), {"id": 1, "password_hash": password_hash, "is_active": True})

    async def find_by_email(self, email: str) -> Optional[Any]:
        return self.row if email == "ada@example.com" else None


@pytest.fixture
def counted() -> tuple[AuthService, CountingHasher, str]:
    passwords = PasswordService(SETTINGS)
    hasher = passwords._hasher = CountingHasher()
    known_hash = hasher.hash("Analytical1")
    sessions = type("Sessions", (), {"refresh_lifetime": timedelta(days=1)})()
    auth = AuthService(SETTINGS, None, OneUser(known_hash), passwords, None, sessions, None, None)  # type: ignore[arg-type]
    return auth, hasher, known_hash


async def test_an_unknown_email_is_verified_against_a_dummy_hash(
    counted: tuple[AuthService, CountingHasher, str],
) -> None:
    auth, hasher, known_hash = counted
    for email in ("nobody@example.com", "ada@example.com"):
        with pytest.raises(AuthenticationError):
            await auth.login(email, "Wrong-pass-1")
    assert len(hasher.verified) == 2  # one argon2 verification each: the same work
    dummy, known = hasher.verified
    assert known == known_hash and dummy != known_hash and dummy.startswith("$argon2id$")
