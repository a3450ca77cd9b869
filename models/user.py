"""Users: what clients send and what they get back. A password or its hash never leaves."""

import re
from datetime import datetime
from typing import Any, Literal, Optional

from pydantic import MISSING, BaseModel, EmailStr, Field, field_validator, model_validator

from models.base import InputModel, QueryModel
from models.schemas import UserRow

Role = Literal["user", "admin"]
TAG = re.compile(r"<[^>]*>")


def clean_name(value: str) -> str:
    value = TAG.sub("", value).strip()
    if not value:
        raise ValueError("Name cannot be empty")
    if len(value) > 100:
        raise ValueError("Name too long (100 characters at most)")
    return value


def strong_password(value: str) -> str:
    if len(value) < 8:
        raise ValueError("Password must be at least 8 characters")
    if not re.search(r"[A-Z]", value):
        raise ValueError("Password must contain an uppercase letter")
    if not re.search(r"[a-z]", value):
        raise ValueError("Password must contain a lowercase letter")
    if not re.search(r"\d", value):
        raise ValueError("Password must contain a digit")
    return value


# Passwords: long enough for any passphrase, short enough that hashing is no denial of service.


class UserCreate(InputModel):
    name: str = Field(max_length=1000, examples=["Ada Lovelace"])
    email: EmailStr = Field(examples=["ada@example.com"])
    password: str = Field(max_length=128, examples=["Analytical1"])
    age: Optional[int] = Field(default=None, ge=0, le=150)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_name(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        return strong_password(value)


class UserSelfUpdate(InputModel):
    """PATCH /users/me: any of these; a new password needs the current one. Leaving a field
    out keeps it; only age may be cleared with null (name is NOT NULL)."""

    name: str | MISSING = Field(default=MISSING, max_length=1000)
    age: Optional[int] | MISSING = Field(default=MISSING, ge=0, le=150)
    password: str | MISSING = Field(default=MISSING, max_length=128)
    current_password: str | MISSING = Field(default=MISSING, max_length=128)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_name(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        return strong_password(value)

    @model_validator(mode="after")
    def _current_password_with_new_one(self) -> "UserSelfUpdate":
        given = self.model_fields_set
        if "password" in given and ("current_password" not in given or not self.current_password):
            raise ValueError("current_password is required to change the password")
        if not given - {"current_password"}:
            raise ValueError("nothing to update")
        return self

    def profile_changes(self) -> dict[str, Any]:
        """The profile columns to set (name, age), only those given."""
        return self.model_dump(include={"name", "age"}, exclude_unset=True)


class AdminUserUpdate(InputModel):
    role: Role | MISSING = MISSING
    is_active: bool | MISSING = MISSING

    @model_validator(mode="after")
    def _something(self) -> "AdminUserUpdate":
        if not self.model_fields_set:
            raise ValueError("give role, is_active or both")
        return self


class UserFilter(QueryModel):
    """GET /admin/users query: pagination and filters."""

    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=2**63 - 1)
    role: Optional[Role] = None
    is_active: Optional[bool] = None
    q: Optional[str] = Field(default=None, max_length=100, description="part of name or email")


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: Role
    age: Optional[int]
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: UserRow) -> "UserOut":
        return cls.model_validate(row.model_dump(exclude={"password_hash"}))


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
    limit: int
    offset: int
