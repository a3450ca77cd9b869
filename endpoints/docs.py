"""The OpenAPI document (built from the route declarations by web/openapi.py when the app is
created) and the Swagger UI page that shows it."""

import orjson
from velithon.openapi.ui import get_swagger_ui_html
from velithon.responses import HTMLResponse, Response

from config import Settings
from containers import Provide, container

_document = b"{}"


def publish(document: dict[str, object]) -> None:
    """Called once by main.create_app with the finished document."""
    global _document
    _document = orjson.dumps(document)


async def openapi() -> Response:
    return Response(_document, media_type="application/json")


async def swagger_ui(settings: Settings = Provide[container.settings]) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{settings.app_name} - API")
