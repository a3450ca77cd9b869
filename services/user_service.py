"""Users: creation, lookup, the account holder's own changes, and the admin's list and changes.

A change that ends sessions (a new password, a new role, deactivation) is one transaction
with the revocation, and the denylist is told after it commits (services/session_service.py).
"""

from typing import Any, Optional

import asyncpg

from models.schemas import UserRow
from models.user import Role, UserCreate, UserFilter
from services.account_token_service import VERIFY_EMAIL, AccountTokenService
from services.database_service import DatabaseService, contains
from services.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    WrongPasswordError,
)
from services.password_service import PasswordService
from services.session_service import SessionService

# The users table's columns, written once; every statement returns rows of this shape. The
# statements are composed from these constants only (values are always $n parameters).
COLUMNS = (
    "id, email, name, password_hash, role, age, is_active, email_verified_at, created_at, "
    "updated_at"
)
INSERT = (
    "INSERT INTO users (email, name, password_hash, age, role, email_verified_at) "
    "VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN now() END) RETURNING " + COLUMNS
)
BY_ID = "SELECT " + COLUMNS + " FROM users WHERE id = $1"  # noqa: S608
BY_EMAIL = "SELECT " + COLUMNS + " FROM users WHERE lower(email) = lower($1)"  # noqa: S608
UPDATE_PROFILE = (
    "UPDATE users SET name = CASE WHEN $2 THEN $3 ELSE name END, "  # noqa: S608
    "age = CASE WHEN $4 THEN $5::smallint ELSE age END WHERE id = $1 RETURNING " + COLUMNS
)
UPDATE_ROLE_AND_STATUS = (
    "UPDATE users SET role = COALESCE($2, role), is_active = COALESCE($3, is_active) "  # noqa: S608
    "WHERE id = $1 RETURNING " + COLUMNS
)
FILTER = (
    " WHERE ($1::text IS NULL OR role = $1) AND ($2::boolean IS NULL OR is_active = $2)"
    " AND ($3::text IS NULL OR email ILIKE $3 OR name ILIKE $3)"
)
PAGE = "SELECT " + COLUMNS + ", count(*) OVER () AS total FROM users" + FILTER  # noqa: S608
PAGE += " ORDER BY id LIMIT $4 OFFSET $5"
COUNT = "SELECT count(*) FROM users" + FILTER  # noqa: S608
NO_SUCH_USER = "No user with this id."


def _user(row: Optional[asyncpg.Record]) -> UserRow:
    if row is None:
        raise NotFoundError(NO_SUCH_USER)
    return UserRow.model_validate(dict(row))


class UserService:
    def __init__(
        self,
        database: DatabaseService,
        passwords: PasswordService,
        sessions: SessionService,
        account_tokens: AccountTokenService,
    ) -> None:
        self._db = database
        self._passwords = passwords
        self._sessions = sessions
        self._account_tokens = account_tokens

    async def create(
        self, data: UserCreate, role: Role = "user", verified: bool = False
    ) -> UserRow:
        """A new account; unless `verified` (an admin made by the operator), its verification
        e-mail is queued in the same transaction."""
        password_hash = await self._passwords.hash_password(data.password)
        email = data.email.lower()
        async with self._db.transaction() as conn:
            try:
                row = await conn.fetchrow(
                    INSERT, email, data.name, password_hash, data.age, role, verified
                )
            except asyncpg.UniqueViolationError:  # the unique index on lower(email)
                raise ConflictError("An account with this email already exists.") from None
            if not verified:
                await self._account_tokens.request(VERIFY_EMAIL, email, conn)
        return _user(row)

    async def get(self, user_id: int) -> UserRow:
        return _user(await self._db.fetchrow(BY_ID, user_id))

    async def find_by_email(self, email: str) -> Optional[UserRow]:
        row = await self._db.fetchrow(BY_EMAIL, email)
        return None if row is None else _user(row)

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        await self._db.execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1", user_id, password_hash
        )

    async def update_own_account(
        self,
        user_id: int,
        session_id: str,
        profile: dict[str, Any],
        password: Optional[str] = None,
        current_password: Optional[str] = None,
    ) -> UserRow:
        """Change the profile (name, age: keys present in `profile`) and, with the current
        password, the password, which ends every other session of the user. One transaction."""
        if not profile and password is None:
            return await self.get(user_id)  # nothing to change, and updated_at stays
        new_hash = old_hash = None
        if password is not None:
            old_hash = (await self.get(user_id)).password_hash
            if not await self._passwords.verify(old_hash, current_password or ""):
                raise WrongPasswordError("current_password", "The current password is wrong.")
            new_hash = await self._passwords.hash_password(password)  # before: it takes a while
        ended: list[str] = []
        async with self._db.transaction() as conn:
            if new_hash is not None:
                changed = await conn.execute(
                    "UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash = $3",
                    user_id,
                    new_hash,
                    old_hash,
                )
                if changed != "UPDATE 1":
                    raise ConflictError("The password was changed meanwhile; try again.")
                ended = await self._sessions.revoke_for_user(conn, user_id, keep=session_id)
            row = await conn.fetchrow(
                UPDATE_PROFILE,
                user_id,
                "name" in profile,
                profile.get("name"),
                "age" in profile,
                profile.get("age"),
            )
        await self._sessions.publish(ended)
        return _user(row)

    async def set_role_and_status(
        self,
        user_id: int,
        role: Optional[Role],
        is_active: Optional[bool],
        acting_admin: Optional[int] = None,
    ) -> UserRow:
        """Change a user's role and/or active flag; if either changes, every session of the
        user ends (the tokens carry the role, and outlive a deactivation). One transaction."""
        if acting_admin == user_id and (role == "user" or is_active is False):
            raise PermissionDeniedError("Admins cannot demote or deactivate themselves.")
        ended: list[str] = []
        async with self._db.transaction() as conn:
            before = _user(await conn.fetchrow(BY_ID + " FOR UPDATE", user_id))
            after = _user(await conn.fetchrow(UPDATE_ROLE_AND_STATUS, user_id, role, is_active))
            if (after.role, after.is_active) != (before.role, before.is_active):
                ended = await self._sessions.revoke_for_user(conn, user_id)
        await self._sessions.publish(ended)
        return after

    async def list(self, query: UserFilter) -> tuple[list[UserRow], int]:
        pattern = contains(query.q)
        rows = await self._db.fetch(
            PAGE, query.role, query.is_active, pattern, query.limit, query.offset
        )
        if rows:
            return [_user(r) for r in rows], rows[0]["total"]
        # A page past the end has no rows to carry the window count.
        total = await self._db.fetchval(COUNT, query.role, query.is_active, pattern)
        return [], int(total)
