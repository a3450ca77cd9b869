from velithon.requests import Request
from velithon.responses import Response

from containers import Provide, container
from services.errors import PermissionDeniedError
from services.metrics_service import MetricsService
from web.context import current_request
from web.inputs import bearer_token


async def metrics(
    request: Request, metrics: MetricsService = Provide[container.metrics]
) -> Response:
    info = current_request.get()
    client_ip = info.client_ip if info is not None else ""
    token = bearer_token(request.headers.get("authorization") or "")
    if not metrics.allows(client_ip, token or None):
        raise PermissionDeniedError("Metrics are not available to this client.")
    return Response(await metrics.render(), media_type=metrics.content_type)
