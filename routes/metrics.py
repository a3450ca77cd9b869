from velithon.routing import Router

from endpoints import metrics

# Included by main.py only when METRICS_ENABLED is true.
router = Router()
router.add_api_route(
    "/metrics", metrics.metrics, methods=["GET"], tags=["observability"],
    summary="Prometheus metrics (allowed networks, and the token when one is set)",
)  # fmt: skip
