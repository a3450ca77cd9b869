"""GET /admin/stats: the shop's numbers for an admin's dashboard (the route declares
access="admin")."""

from velithon.responses import JSONResponse

from containers import Provide, container
from services.stats_service import StatsService


async def stats(stats: StatsService = Provide[container.stats]) -> JSONResponse:
    return JSONResponse((await stats.overview()).model_dump(mode="json"))
