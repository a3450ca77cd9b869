from endpoints import health
from models.health import HealthReport, Liveness
from web.route import Route

ROUTES = [
    Route(
        "GET",
        "/health",
        health.readiness,
        access="public",
        rate_limit="exempt",
        summary="Readiness: 200 when PostgreSQL and Redis answer, 503 naming the failing one",
        tags=("health",),
        response=HealthReport,
        log_level="debug",
        errors={503: ("A dependency does not answer (named in the body)", HealthReport)},
    ),
    Route(
        "GET",
        "/health/live",
        health.liveness,
        access="public",
        rate_limit="exempt",
        summary="Liveness: 200 while the process serves requests; no I/O",
        tags=("health",),
        response=Liveness,
        log_level="debug",
    ),
]
