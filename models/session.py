"""Login sessions as their owner sees them (GET /auth/sessions)."""

import uuid
from datetime import datetime
from typing import Optional

from pydantic import BaseModel


class SessionOut(BaseModel):
    id: uuid.UUID
    created_at: datetime
    last_used_at: Optional[datetime]  # its login, then each refresh
    client_ip: Optional[str]  # as recorded at login
    user_agent: Optional[str]
    current: bool  # the session of the token that asks


class SessionList(BaseModel):
    items: list[SessionOut]
