"""The OpenAPI document (built from the route declarations by web/openapi.py when the app is
created) and the Swagger UI page that shows it, with Swagger UI's own files served by the app
from the swagger-ui-bundle-v2 package: /docs needs no CDN and works offline."""

from typing import Annotated

import orjson
from velithon.params import Path
from velithon.requests import Request
from velithon.responses import HTMLResponse, Response

from config import Settings
from containers import Provide, container
from endpoints.pages import templates
from endpoints.static import file_response
from services.errors import NotFoundError
from services.static_files import StaticFiles

# What the page loads from the package; its other files (an index.html pointing at the
# petstore, source maps) are not served.
SWAGGER_UI_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})

_document = b"{}"


def publish(document: dict[str, object]) -> None:
    """Called once by main.create_app with the finished document."""
    global _document
    _document = orjson.dumps(document)


async def openapi() -> Response:
    return Response(_document, media_type="application/json")


async def swagger_ui(settings: Settings = Provide[container.settings]) -> HTMLResponse:
    return templates.render_response("docs.html", {"title": f"{settings.app_name} - API"})


async def swagger_ui_file(
    name: Annotated[str, Path(max_length=64)],
    request: Request,
    files: StaticFiles = Provide[container.swagger_ui],
    settings: Settings = Provide[container.settings],
) -> Response:
    if name not in SWAGGER_UI_FILES:
        raise NotFoundError("No such file.")
    return file_response(request, files, name, settings.static_max_age)
