from typing import Optional

from velithon.requests import Request
from velithon.responses import Response

from containers import Provide, container, inject
from middleware.context import current_request
from services.errors import PermissionDeniedError
from services.metrics_service import CONTENT_TYPE, MetricsService


def bearer_token(request: Request) -> Optional[str]:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@inject
async def metrics(
    request: Request, metrics: MetricsService = Provide[container.metrics_service]
) -> Response:
    info = current_request.get()
    client_ip = info.client_ip if info is not None else ""
    if not metrics.allows(client_ip, bearer_token(request)):
        raise PermissionDeniedError("Metrics are not available to this client.")
    return Response(metrics.render(), media_type=CONTENT_TYPE)
