from endpoints import static
from web.route import Route

ROUTES = [
    Route(
        "GET",
        "/static/{path:path}",
        static.asset,
        access="public",
        rate_limit="exempt",
        summary="The pages' assets (static/), with ETag and Cache-Control",
        in_schema=False,
        media_type="application/octet-stream",
        errors={404: "No such file"},
    ),
]
