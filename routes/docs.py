from endpoints import docs
from web.route import Route

ROUTES = [
    Route(
        "GET", "/openapi.json", docs.openapi, access="public", rate_limit="exempt",
        in_schema=False,
    ),
    Route(
        "GET", "/docs", docs.swagger_ui, access="public", rate_limit="exempt",
        media_type="text/html", policy="docs", in_schema=False,
    ),
]  # fmt: skip
