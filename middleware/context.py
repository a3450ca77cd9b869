"""Per-request facts that outer middleware need from inner layers (route template, ...).

The access-log middleware creates one RequestInfo per request; the error boundary, which runs
inside routing, fills in the route template. A ContextVar set in the same task is visible to
the caller after the await returns.
"""

from contextvars import ContextVar
from typing import Optional

from services.token_service import Principal


class RequestInfo:
    __slots__ = ("request_id", "route", "user_id")

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self.route: Optional[str] = None
        self.user_id: Optional[str] = None


current_request: ContextVar[Optional[RequestInfo]] = ContextVar("current_request", default=None)

# Set by the JWT middleware for authenticated requests (endpoints.dependencies reads it).
current_principal: ContextVar[Optional[Principal]] = ContextVar("current_principal", default=None)
