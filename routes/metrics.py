from endpoints import metrics
from web.route import Route

ROUTES = [
    Route(
        "GET",
        "/metrics",
        metrics.metrics,
        access="public",
        rate_limit="exempt",
        summary="Prometheus metrics (allowed networks, and the token when one is set)",
        tags=("observability",),
        media_type="text/plain",
        enabled_by="metrics_enabled",
        errors={403: "Not from an allowed network, or without the token"},
    ),
]
