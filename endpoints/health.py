from velithon.responses import JSONResponse

from containers import Provide, container, inject
from services.health_service import HealthService


@inject
async def readiness(
    health_service: HealthService = Provide[container.health_service],
) -> JSONResponse:
    report = await health_service.report()
    return JSONResponse(report, status_code=200 if report["status"] == "healthy" else 503)


async def liveness() -> JSONResponse:
    return JSONResponse({"status": "alive"})
