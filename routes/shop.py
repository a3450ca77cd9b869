from endpoints import shop
from web.route import Route

ROUTES = [
    Route(
        "GET",
        "/shop",
        shop.shop,
        access="public",
        media_type="text/html",
        in_schema=False,
        summary="The products, with images and pages, rendered on the server",
    ),
]
