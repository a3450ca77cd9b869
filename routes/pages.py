from endpoints import pages
from web.route import Route

ROUTES = [
    Route("GET", "/", pages.home, access="public", media_type="text/html", in_schema=False),
    Route(
        "GET",
        "/favicon.ico",
        pages.favicon,
        access="public",
        rate_limit="exempt",
        media_type="image/x-icon",
        in_schema=False,
        log_level="debug",
    ),
]
