"""The pages' assets, served by the app under every launcher (so they get the security headers,
a request id and an access line like everything else). Conditional GET: an If-None-Match with
the current ETag is answered 304 without a body."""

from typing import Annotated

from velithon.params import Path
from velithon.requests import Request
from velithon.responses import Response

from config import Settings
from containers import Provide, container
from services.errors import NotFoundError
from services.static_files import StaticFiles


def file_response(request: Request, files: StaticFiles, name: str, max_age: int) -> Response:
    found = files.get(name)
    if found is None:
        raise NotFoundError("No such file.")
    headers = {"ETag": found.etag, "Cache-Control": f"public, max-age={max_age}"}
    if found.etag in (request.headers.get("if-none-match") or ""):
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)


async def asset(
    path: Annotated[str, Path(max_length=512)],
    request: Request,
    files: StaticFiles = Provide[container.static_files],
    settings: Settings = Provide[container.settings],
) -> Response:
    return file_response(request, files, path, settings.static_max_age)
