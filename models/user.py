"""Users: what clients send and what they get back. A password or its hash never leaves."""

import re
from datetime import datetime
from typing import Any, Literal, Optional

from pydantic import MISSING, BaseModel, Field, field_validator, model_validator
from pydantic.json_schema import JsonDict

from models.base import NAME_SCHEMA, Email, InputModel, QueryModel, clean_name
from models.schemas import UserRow

Role = Literal["user", "admin"]
# Passwords: 8 to 128 characters (long enough for any passphrase, short enough that hashing is
# no denial of service), with a lower-case and an upper-case letter and a digit.
PASSWORD_PATTERN = r"^(?=[\s\S]*[a-z])(?=[\s\S]*[A-Z])(?=[\s\S]*[0-9])[\s\S]{8,128}$"  # noqa: S105


PASSWORD_SCHEMA: JsonDict = {"pattern": PASSWORD_PATTERN, "format": "password"}


def strong_password(value: str) -> str:
    if len(value) < 8:
        raise ValueError("Password must be at least 8 characters")
    if not re.search(r"[A-Z]", value):
        raise ValueError("Password must contain an uppercase letter")
    if not re.search(r"[a-z]", value):
        raise ValueError("Password must contain a lowercase letter")
    if not re.search(r"[0-9]", value):
        raise ValueError("Password must contain a digit")
    return value


class UserCreate(InputModel):
    name: str = Field(max_length=100, examples=["Ada Lovelace"], json_schema_extra=NAME_SCHEMA)
    email: Email = Field(examples=["ada@example.com"])
    password: str = Field(
        min_length=8, max_length=128, examples=["Analytical1"], json_schema_extra=PASSWORD_SCHEMA
    )
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
    """PATCH /users/me: any of these (none: nothing changes); a new password needs the current
    one. Leaving a field out keeps it; only age may be cleared with null (name is NOT NULL)."""

    name: str | MISSING = Field(default=MISSING, max_length=100, json_schema_extra=NAME_SCHEMA)
    age: Optional[int] | MISSING = Field(default=MISSING, ge=0, le=150)
    password: str | MISSING = Field(
        default=MISSING, min_length=8, max_length=128, json_schema_extra=PASSWORD_SCHEMA
    )
    current_password: str | MISSING = Field(default=MISSING, min_length=1, max_length=128)

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
        if "password" in self.model_fields_set and "current_password" not in self.model_fields_set:
            raise ValueError("current_password is required to change the password")
        return self

    @classmethod
    def cross_field_rules(cls, schema: dict[str, Any]) -> None:
        schema["dependentRequired"] = {"password": ["current_password"]}

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

    @classmethod
    def cross_field_rules(cls, schema: dict[str, Any]) -> None:
        schema["minProperties"] = 1


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
    email_verified_at: Optional[datetime]  # null until the address is verified
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
