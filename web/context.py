"""Per-request facts that several layers share, worked out once by the outermost middleware
(middleware/access_log.py): request id, the matched route, the client address; later layers
add the verified caller. A ContextVar set in the request's task is visible to every layer
inside it, and to the endpoint."""

from contextvars import ContextVar
from typing import Optional

from services.token_service import Principal
from web.route import Route
from web.route_table import RouteMatch


class RequestInfo:
    __slots__ = ("client_ip", "match", "principal", "request_id", "revoked", "user_id")

    def __init__(self, request_id: str, match: RouteMatch, client_ip: str) -> None:
        self.request_id = request_id
        self.match = match
        self.client_ip = client_ip
        self.user_id: Optional[str] = None
        self.principal: Optional[Principal] = None  # a verified token, once one was checked
        # The token's revocation state, when the rate limiter already asked Redis for it in
        # the same round trip (services/request_checks.py); None: not asked yet.
        self.revoked: Optional[bool] = None

    @property
    def route(self) -> Optional[Route]:
        return self.match.route

    @property
    def template(self) -> Optional[str]:
        return self.match.template


current_request: ContextVar[Optional[RequestInfo]] = ContextVar("current_request", default=None)

# Set by the auth middleware for authenticated requests (endpoints/dependencies.py reads it).
current_principal: ContextVar[Optional[Principal]] = ContextVar("current_principal", default=None)
