"""Container overrides loaded inside the server through CONTAINER_OVERRIDES (the test seam)."""

from collections.abc import Sequence

from containers import Container
from services.health_service import HealthService
from services.rate_limit_service import Decision, RateLimitService


class AlwaysDegradedHealth(HealthService):
    def __init__(self) -> None:
        pass

    async def report(self) -> dict[str, str]:
        return {
            "status": "unhealthy",
            "timestamp": "1970-01-01T00:00:00+00:00",
            "version": "override",
            "database": "healthy",
            "redis": "unhealthy: overridden",
        }


def degraded_health(container: Container) -> None:
    container.override(container.health, lambda c: AlwaysDegradedHealth())


class NothingAllowed(RateLimitService):
    """A limiter that refuses everything, without Redis."""

    def __init__(self) -> None:
        pass

    async def hit(self, bucket: str, limit: int, also: Sequence[str] = ()) -> Decision:
        return Decision(allowed=False, limit=limit, remaining=0, reset_seconds=42)


def strict_limiter(container: Container) -> None:
    """Middleware get their services from the container too: this reaches the rate limiter."""
    container.override(container.rate_limits, lambda c: NothingAllowed())


def fast_reconcile(container: Container) -> None:
    """The revocation denylist's reconcile (and its rebuild lock) every second, not every 30."""
    from services import session_service

    session_service.RECONCILE_INTERVAL = 1.0
    session_service.REBUILD_LOCK_SECONDS = 1
