from velithon.routing import Router

from endpoints import health
from models.health import HealthReport, Liveness

router = Router()
router.add_api_route(
    "/health",
    health.readiness,
    methods=["GET"],
    tags=["health"],
    summary="Readiness: 200 when PostgreSQL and Redis answer, 503 naming the failing one",
    response_model=HealthReport,
)
router.add_api_route(
    "/health/live",
    health.liveness,
    methods=["GET"],
    tags=["health"],
    summary="Liveness: 200 while the process serves requests; no I/O",
    response_model=Liveness,
)
