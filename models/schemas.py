"""Database row shapes, as the migrations in migrations/ create them."""

from datetime import datetime
from typing import Literal, Optional

from pydantic import BaseModel


class UserRow(BaseModel):
    id: int
    email: str
    name: str
    password_hash: str
    role: Literal["user", "admin"]
    age: Optional[int]
    is_active: bool
    email_verified_at: Optional[datetime]
    created_at: datetime
    updated_at: datetime
