"""Per-request facts that several middlewares share, computed once by the outermost one
(middleware/logging.py): request id, route template, client address; later layers add the
verified caller. A ContextVar set in the same task is visible to every layer inside it."""

from contextvars import ContextVar
from typing import Optional

from services.token_service import Principal


class RequestInfo:
    __slots__ = ("client_ip", "principal", "request_id", "route", "user_id")

    def __init__(self, request_id: str, route: Optional[str], client_ip: str) -> None:
        self.request_id = request_id
        self.route = route  # the route template ("/users/{user_id}"), None when unmatched
        self.client_ip = client_ip
        self.user_id: Optional[str] = None
        self.principal: Optional[Principal] = None  # a verified token, once one was checked


current_request: ContextVar[Optional[RequestInfo]] = ContextVar("current_request", default=None)

# Set by the JWT middleware for authenticated requests (endpoints.dependencies reads it).
current_principal: ContextVar[Optional[Principal]] = ContextVar("current_principal", default=None)
