"""Rate limiting: which bucket a request counts against, and the answer when it is over.

The counting itself is exact across workers, processes and replicas, in Redis
(services/rate_limit_service.py). Buckets: login and signup per client address (stricter
limits), everything else per user when the request carries a valid token, per client address
otherwise. Health checks and /metrics are never limited. A refused request gets 429 with
Retry-After; every limited response carries RateLimit-Limit, RateLimit-Remaining and
RateLimit-Reset. When Redis can't answer, RATE_LIMIT_FAIL_OPEN decides: let requests through
(default) or answer 503; either way a warning at most once a minute and a metric.
"""

import logging
import time
from typing import Any, Optional

from velithon.datastructures import Protocol, Scope

from config import Settings
from containers import build_rate_limits, build_tokens
from middleware.context import RequestInfo, current_request
from middleware.metrics import RATE_LIMIT_BACKEND_ERRORS, RATE_LIMITED, route_label
from middleware.problems import problem
from services.errors import AuthenticationError, DependencyUnavailableError

log = logging.getLogger(__name__)

EXEMPT = frozenset({"/health", "/health/live", "/metrics"})
WARN_EVERY_SECONDS = 60.0


class RateLimitMiddleware:
    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self._enabled = settings.rate_limit_enabled
        self._limits = build_rate_limits()
        self._tokens = build_tokens()
        self._default = settings.rate_limit_per_minute
        self._strict = {
            ("POST", "/auth/login"): ("login", settings.rate_limit_login_per_minute),
            ("POST", "/users"): ("signup", settings.rate_limit_signup_per_minute),
        }
        self._fail_open = settings.rate_limit_fail_open
        self._last_warning = 0.0

    async def __call__(self, scope: Scope, protocol: Protocol) -> None:
        info = current_request.get()
        if not self._enabled or scope.proto != "http" or info is None or scope.path in EXEMPT:
            await self.app(scope, protocol)
            return
        bucket, limit = self._bucket(scope, info)
        try:
            decision = await self._limits.hit(bucket, limit)
        except DependencyUnavailableError:
            RATE_LIMIT_BACKEND_ERRORS.inc()
            self._warn()
            if self._fail_open:
                await self.app(scope, protocol)
            else:
                await problem(scope, 503, "Rate limiting is unavailable.")(scope, protocol)
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
            await self.app(scope, protocol)
            return
        RATE_LIMITED.labels(route_label(info)).inc()
        detail = f"Too many requests: at most {limit} a minute."
        await problem(scope, 429, detail, headers={"Retry-After": reset})(scope, protocol)

    def _bucket(self, scope: Scope, info: RequestInfo) -> tuple[str, int]:
        strict = self._strict.get((scope.method, info.route or ""))
        if strict is not None:
            name, limit = strict
            return f"{name}:ip:{info.client_ip}", limit
        principal = self._verified_caller(scope, info)
        if principal is not None:
            return f"user:{principal}", self._default
        return f"ip:{info.client_ip}", self._default

    def _verified_caller(self, scope: Scope, info: RequestInfo) -> Optional[int]:
        """The token's user, if its signature verifies: an unverified `sub` would let anyone
        spend someone else's budget. The verified token is kept for the auth middleware."""
        scheme, _, token = (scope.headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            info.principal = self._tokens.decode(token.strip())
        except AuthenticationError:
            return None
        return info.principal.user_id

    def _warn(self) -> None:
        now = time.monotonic()
        if now - self._last_warning >= WARN_EVERY_SECONDS:
            self._last_warning = now
            action = "letting requests through" if self._fail_open else "answering 503"
            log.warning("rate_limit_backend_unavailable: %s", action)
