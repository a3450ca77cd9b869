"""JWT authentication: the matched route's declared access decides (web/route.py).

- public, or no route for the path or method (the router answers 404/405 to anyone): passes.
- authenticated: needs `Authorization: Bearer <access token>`: a JWT signed with the
  configured algorithm and key, with the right issuer and audience, within its validity
  window, and not revoked (logout, revoked session, deactivated user: checked in Redis, with
  PostgreSQL behind it, so it holds on every worker and replica). 401 otherwise, with
  `WWW-Authenticate: Bearer`, in the problem-details shape.
- admin: the same, and the token's role must be admin (403 otherwise).
- UNVERIFIED_ACCOUNTS=limited: a token of an account whose address is not verified passes
  only routes declared `unverified=True` (403 elsewhere).
Endpoints get the caller through endpoints/dependencies.py current_user, never from headers.
"""

from typing import Any

from velithon.datastructures import Protocol, Scope

from containers import Container
from services.errors import AuthenticationError, DependencyUnavailableError
from web.context import current_principal, current_request
from web.inputs import bearer_token
from web.problems import problem

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api"'}
INVALID = {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}
RETRY = {"Retry-After": "5"}
UNVERIFIED = (
    "Verify your e-mail address first (the link in the e-mail we sent), then refresh the token."
)


class JWTAuthMiddleware:
    def __init__(self, app: Any, container: Container) -> None:
        self.app = app
        self._tokens = container.get(container.tokens)
        self._sessions = container.get(container.sessions)
        self._limit_unverified = container.get(container.settings).unverified_accounts == "limited"

    async def __call__(self, scope: Scope, protocol: Protocol) -> None:
        info = current_request.get()
        route = info.route if info is not None else None
        if info is None or route is None or route.public:
            await self.app(scope, protocol)
            return
        token = bearer_token(scope.headers.get("authorization") or "")
        if not token:
            response = problem(scope, 401, "A bearer access token is required.", headers=CHALLENGE)
            await response(scope, protocol)
            return
        try:
            # The rate limiter may already have verified the token and asked Redis about it.
            principal = info.principal or self._tokens.decode(token)
            if info.revoked is None:
                await self._sessions.ensure_active(principal)
            elif info.revoked:
                raise AuthenticationError("The access token has been revoked.")
        except AuthenticationError as exc:
            await problem(scope, 401, str(exc), headers=INVALID)(scope, protocol)
            return
        except DependencyUnavailableError as exc:
            await problem(scope, 503, str(exc), headers=RETRY)(scope, protocol)
            return
        if route.access == "admin" and principal.role != "admin":
            await problem(scope, 403, "This needs the admin role.")(scope, protocol)
            return
        if self._limit_unverified and not principal.email_verified and not route.unverified:
            await problem(scope, 403, UNVERIFIED)(scope, protocol)
            return
        info.user_id = str(principal.user_id)
        reset = current_principal.set(principal)
        try:
            await self.app(scope, protocol)
        finally:
            current_principal.reset(reset)
