"""JWT authentication for every request that is not public.

Public routes are declared here, in one place. Everything else needs
`Authorization: Bearer <access token>`: a JWT signed with the configured algorithm and key,
with the right issuer and audience, within its validity window, and not revoked (logout,
revoked session, deactivated user: checked in Redis, so it holds on every worker and replica).
A failure answers 401 with `WWW-Authenticate: Bearer` in the problem-details shape.
Endpoints get the caller through endpoints.dependencies.current_user, never from headers.
"""

from collections.abc import Iterable
from typing import Any

from velithon.datastructures import Protocol, Scope

from containers import build_tokens
from middleware.context import current_principal, current_request
from middleware.problems import problem
from services.errors import AuthenticationError, DependencyUnavailableError

ANY = "*"
# (method, path): reachable without a token.
PUBLIC_ROUTES = frozenset(
    {
        (ANY, "/health"),
        (ANY, "/health/live"),
        ("GET", "/"),
        ("GET", "/docs"),
        ("GET", "/openapi.json"),
        ("POST", "/auth/login"),
        ("POST", "/auth/refresh"),
        ("POST", "/users"),  # signup
        ("GET", "/metrics"),  # guarded by its own policy: allowed networks and token
    }
)
PUBLIC_PREFIXES = ("/static/",)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api"'}
INVALID = {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}


def is_public_route(method: str, path: str) -> bool:
    """Whether (method, path) is reachable without a token; path may be a route template."""
    return (
        (ANY, path) in PUBLIC_ROUTES
        or (method, path) in PUBLIC_ROUTES
        or (method == "HEAD" and ("GET", path) in PUBLIC_ROUTES)
        or path.startswith(PUBLIC_PREFIXES)
    )


class JWTAuthMiddleware:
    def __init__(self, app: Any, extra_public_prefixes: Iterable[str] = ()) -> None:
        self.app = app
        self._tokens = build_tokens()
        self._public_prefixes = (*PUBLIC_PREFIXES, *extra_public_prefixes)

    def is_public(self, method: str, path: str) -> bool:
        return is_public_route(method, path) or path.startswith(self._public_prefixes)

    async def __call__(self, scope: Scope, protocol: Protocol) -> None:
        if scope.proto != "http" or self.is_public(scope.method, scope.path):
            await self.app(scope, protocol)
            return
        header = scope.headers.get("authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            response = problem(scope, 401, "A bearer access token is required.", headers=CHALLENGE)
            await response(scope, protocol)
            return
        info = current_request.get()
        try:
            # The rate limiter may already have verified this token's signature.
            verified = info.principal if info is not None else None
            principal = verified or self._tokens.decode(token.strip())
            await self._tokens.ensure_not_revoked(principal)
        except AuthenticationError as exc:
            await problem(scope, 401, str(exc), headers=INVALID)(scope, protocol)
            return
        except DependencyUnavailableError as exc:
            await problem(scope, 503, str(exc))(scope, protocol)
            return
        if info is not None:
            info.user_id = str(principal.user_id)
        token_var = current_principal.set(principal)
        try:
            await self.app(scope, protocol)
        finally:
            current_principal.reset(token_var)
