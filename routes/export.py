from endpoints import export
from web.route import Route

ROUTES = [
    Route(
        "GET",
        "/export/users",
        export.export_users,
        access="admin",
        rate_limit="export",
        summary="Every user as CSV (streamed)",
        tags=("export",),
        media_type="text/csv",
    ),
    Route(
        "GET",
        "/export/orders",
        export.export_orders,
        access="admin",
        rate_limit="export",
        summary="Every order as CSV, one line per order (streamed)",
        tags=("export",),
        media_type="text/csv",
    ),
]
