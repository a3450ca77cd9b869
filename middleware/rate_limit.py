"""Rate limiting: which bucket a request counts against, and the answer when it is over.

The counting itself is exact across workers, processes and replicas, in Redis
(services/rate_limit_service.py). The matched route's declared class decides (web/route.py):
"exempt" is never counted (health, metrics, docs, static files); a named class such as
"login" counts per client address against RATE_LIMIT_<NAME>_PER_MINUTE; "default" (and
requests for unknown paths) counts per user when the request carries a valid token, per
client address otherwise. A refused request gets 429 with
Retry-After; every limited response carries RateLimit-Limit, RateLimit-Remaining and
RateLimit-Reset. When Redis can't answer, RATE_LIMIT_FAIL_OPEN decides: let requests through
(default) or answer 503; either way a warning at most once a minute and a metric.
"""

import logging
import time
from contextlib import suppress
from typing import Any, Optional

from velithon.datastructures import Protocol, Scope

from config import Settings
from containers import Container
from observability.metrics import RATE_LIMIT_BACKEND_ERRORS, RATE_LIMITED, route_label
from services.errors import AuthenticationError, DependencyUnavailableError
from web.context import RequestInfo, current_request
from web.inputs import bearer_token
from web.problems import problem
from web.route import RATE_LIMIT_DEFAULT, RATE_LIMIT_EXEMPT

log = logging.getLogger(__name__)

WARN_EVERY_SECONDS = 60.0


def class_limit(settings: Settings, name: str) -> int:
    """A rate-limit class's requests a minute: RATE_LIMIT_PER_MINUTE for "default", else the
    setting RATE_LIMIT_<NAME>_PER_MINUTE (a declared class without one stops the start)."""
    field = (
        "rate_limit_per_minute" if name == RATE_LIMIT_DEFAULT else f"rate_limit_{name}_per_minute"
    )
    limit = getattr(settings, field, None)
    if not isinstance(limit, int):
        raise ValueError(f"rate-limit class {name!r} has no setting {field.upper()}")
    return limit


class RateLimitMiddleware:
    def __init__(self, app: Any, settings: Settings, container: Container) -> None:
        self.app = app
        self._enabled = settings.rate_limit_enabled
        self._limits = container.get(container.rate_limits)
        self._tokens = container.get(container.tokens)
        self._sessions = container.get(container.sessions)
        self._settings = settings
        self._default = settings.rate_limit_per_minute
        self._class_limits: dict[str, int] = {}
        self._fail_open = settings.rate_limit_fail_open
        self._last_warning = 0.0

    async def __call__(self, scope: Scope, protocol: Protocol) -> None:
        info = current_request.get()
        route = info.route if info is not None else None
        if (
            not self._enabled
            or info is None
            or (route is not None and route.rate_limit == RATE_LIMIT_EXEMPT)
        ):
            await self.app(scope, protocol)
            return
        bucket, limit = self._bucket(scope, info)
        principal = info.principal
        # The auth middleware will ask whether the token's session has ended: ask in this
        # round trip (a protected route, a verified token).
        also: list[str] = []
        if principal is not None and route is not None and not route.public:
            also = self._sessions.revocation_keys(principal)
        try:
            decision = await self._limits.hit(bucket, limit, also)
        except DependencyUnavailableError:
            RATE_LIMIT_BACKEND_ERRORS.inc()
            self._warn()
            if self._fail_open:
                await self.app(scope, protocol)
            else:
                detail = "Rate limiting is unavailable."
                await problem(scope, 503, detail, headers={"Retry-After": "5"})(scope, protocol)
            return
        reset = str(decision.reset_seconds)
        protocol.update_headers(
            [
                ("ratelimit-limit", str(limit)),
                ("ratelimit-remaining", str(decision.remaining)),
                ("ratelimit-reset", reset),
            ]
        )
        if decision.allowed:
            if principal is not None and decision.also:
                with suppress(DependencyUnavailableError):  # auth asks again, and answers 503
                    info.revoked = await self._sessions.decide(principal, *decision.also)
            await self.app(scope, protocol)
            return
        RATE_LIMITED.labels(route_label(info)).inc()
        detail = f"Too many requests: at most {limit} a minute."
        await problem(scope, 429, detail, headers={"Retry-After": reset})(scope, protocol)

    def _bucket(self, scope: Scope, info: RequestInfo) -> tuple[str, int]:
        name = info.route.rate_limit if info.route is not None else RATE_LIMIT_DEFAULT
        if name != RATE_LIMIT_DEFAULT:
            limit = self._class_limits.get(name)
            if limit is None:
                limit = self._class_limits[name] = class_limit(self._settings, name)
            return f"{name}:ip:{info.client_ip}", limit
        principal = self._verified_caller(scope, info)
        if principal is not None:
            return f"user:{principal}", self._default
        return f"ip:{info.client_ip}", self._default

    def _verified_caller(self, scope: Scope, info: RequestInfo) -> Optional[int]:
        """The token's user, if its signature verifies: an unverified `sub` would let anyone
        spend someone else's budget. The verified token is kept for the auth middleware."""
        token = bearer_token(scope.headers.get("authorization") or "")
        if not token:
            return None
        try:
            info.principal = self._tokens.decode(token)
        except AuthenticationError:
            return None
        return info.principal.user_id

    def _warn(self) -> None:
        now = time.monotonic()
        if now - self._last_warning >= WARN_EVERY_SECONDS:
            self._last_warning = now
            action = "letting requests through" if self._fail_open else "answering 503"
            log.warning("rate_limit_backend_unavailable: %s", action)
