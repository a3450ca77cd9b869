"""Users: creation, lookup, profile changes, and the admin's list and changes."""

from typing import Any, Optional

import asyncpg

from models.schemas import UserRow
from models.user import Role, UserCreate, UserFilter
from services.database_service import DatabaseService
from services.errors import ConflictError, InvalidFieldError, NotFoundError
from services.password_service import PasswordService


class UserService:
    def __init__(self, database: DatabaseService, passwords: PasswordService) -> None:
        self._db = database
        self._passwords = passwords

    async def create(self, data: UserCreate, role: Role = "user") -> UserRow:
        password_hash = await self._passwords.hash_password(data.password)
        try:
            row = await self._db.fetchrow(
                "INSERT INTO users (email, name, password_hash, age, role) "
                "VALUES ($1, $2, $3, $4, $5) "
                "RETURNING id, email, name, password_hash, role, age, is_active, "
                "created_at, updated_at",
                data.email.lower(),
                data.name,
                password_hash,
                data.age,
                role,
            )
        except asyncpg.UniqueViolationError:
            raise ConflictError("An account with this email already exists.") from None
        return UserRow.model_validate(dict(row))  # type: ignore[arg-type]

    async def get(self, user_id: int) -> UserRow:
        row = await self._db.fetchrow(
            "SELECT id, email, name, password_hash, role, age, is_active, created_at, updated_at "
            "FROM users WHERE id = $1",
            user_id,
        )
        if row is None:
            raise NotFoundError("No user with this id.")
        return UserRow.model_validate(dict(row))

    async def find_by_email(self, email: str) -> Optional[UserRow]:
        row = await self._db.fetchrow(
            "SELECT id, email, name, password_hash, role, age, is_active, created_at, updated_at "
            "FROM users WHERE lower(email) = lower($1)",
            email,
        )
        return None if row is None else UserRow.model_validate(dict(row))

    async def update_profile(self, user_id: int, changes: dict[str, Any]) -> UserRow:
        """Set name and/or age (keys present in `changes`; age may be None to clear it)."""
        row = await self._db.fetchrow(
            "UPDATE users SET "
            "name = CASE WHEN $2 THEN $3 ELSE name END, "
            "age = CASE WHEN $4 THEN $5::smallint ELSE age END "
            "WHERE id = $1 "
            "RETURNING id, email, name, password_hash, role, age, is_active, "
            "created_at, updated_at",
            user_id,
            "name" in changes,
            changes.get("name"),
            "age" in changes,
            changes.get("age"),
        )
        if row is None:
            raise NotFoundError("No user with this id.")
        return UserRow.model_validate(dict(row))

    async def change_password(self, user_id: int, current: str, new: str) -> None:
        user = await self.get(user_id)
        if not await self._passwords.verify(user.password_hash, current):
            raise InvalidFieldError("current_password", "The current password is wrong.")
        await self.set_password_hash(user_id, await self._passwords.hash_password(new))

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        await self._db.execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1", user_id, password_hash
        )

    async def list(self, query: UserFilter) -> tuple[list[UserRow], int]:
        pattern = None if query.q is None else f"%{_escape_like(query.q)}%"
        rows = await self._db.fetch(
            "SELECT id, email, name, password_hash, role, age, is_active, created_at, updated_at, "
            "count(*) OVER () AS total FROM users "
            "WHERE ($1::text IS NULL OR role = $1) "
            "AND ($2::boolean IS NULL OR is_active = $2) "
            "AND ($3::text IS NULL OR email ILIKE $3 OR name ILIKE $3) "
            "ORDER BY id LIMIT $4 OFFSET $5",
            query.role,
            query.is_active,
            pattern,
            query.limit,
            query.offset,
        )
        total = rows[0]["total"] if rows else await self._count(query, pattern)
        return [UserRow.model_validate(dict(r)) for r in rows], total

    async def _count(self, query: UserFilter, pattern: Optional[str]) -> int:
        # A page past the end has no rows to carry the window count.
        return int(
            await self._db.fetchval(
                "SELECT count(*) FROM users "
                "WHERE ($1::text IS NULL OR role = $1) "
                "AND ($2::boolean IS NULL OR is_active = $2) "
                "AND ($3::text IS NULL OR email ILIKE $3 OR name ILIKE $3)",
                query.role,
                query.is_active,
                pattern,
            )
        )

    async def set_role_and_status(
        self, user_id: int, role: Optional[Role], is_active: Optional[bool]
    ) -> UserRow:
        row = await self._db.fetchrow(
            "UPDATE users SET role = COALESCE($2, role), is_active = COALESCE($3, is_active) "
            "WHERE id = $1 "
            "RETURNING id, email, name, password_hash, role, age, is_active, "
            "created_at, updated_at",
            user_id,
            role,
            is_active,
        )
        if row is None:
            raise NotFoundError("No user with this id.")
        return UserRow.model_validate(dict(row))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
