from velithon.responses import JSONResponse

from containers import Provide, container
from services.health_service import HealthService


async def readiness(health: HealthService = Provide[container.health]) -> JSONResponse:
    report = await health.report()
    return JSONResponse(report, status_code=200 if report["status"] == "healthy" else 503)


async def liveness() -> JSONResponse:
    return JSONResponse({"status": "alive"})
