"""argon2id password hashing (argon2-cffi, the reference binding of the PHC winner).

Hashing takes tens of milliseconds of CPU on purpose, so it runs in a thread: argon2-cffi
releases the GIL and the event loop keeps serving.
"""

import asyncio
import secrets
from functools import cached_property
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from config import Settings


class PasswordService:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_cost,
            parallelism=settings.argon2_parallelism,
        )

    @cached_property
    def _dummy_hash(self) -> str:
        # Verified instead when the account does not exist, so that an unknown email costs the
        # same time as a wrong password (no user enumeration by timing).
        return self._hasher.hash(secrets.token_urlsafe(16))

    async def hash_password(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: Optional[str], password: str) -> bool:
        target = password_hash or self._dummy_hash
        try:
            await asyncio.to_thread(self._hasher.verify, target, password)
        except (VerificationError, InvalidHashError):
            return False
        return password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
