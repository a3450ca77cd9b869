from endpoints import docs
from web.route import Route

ROUTES = [
    Route(
        "GET",
        "/openapi.json",
        docs.openapi,
        access="public",
        rate_limit="exempt",
        in_schema=False,
    ),
    Route(
        "GET",
        "/docs",
        docs.swagger_ui,
        access="public",
        rate_limit="exempt",
        media_type="text/html",
        policy="docs",
        in_schema=False,
    ),
    Route(
        "GET",
        "/docs/assets/{name}",
        docs.swagger_ui_file,
        access="public",
        rate_limit="exempt",
        media_type="application/octet-stream",
        in_schema=False,
        summary="Swagger UI's own files (swagger-ui-bundle-v2), with ETag and Cache-Control",
        errors={404: "No such file"},
    ),
]
