"""Container overrides loaded inside the server through CONTAINER_OVERRIDES (the test seam)."""

from containers import Container
from services.health_service import HealthService


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
