"""Product images: an admin uploads one (multipart/form-data, field "file"); anyone fetches
it by the URL the upload answered with."""

from typing import Annotated

from velithon.params import Path
from velithon.requests import Request
from velithon.responses import JSONResponse, Response

from containers import Provide, container
from services.image_service import ImageService
from web.multipart import read_file_part

# The name is a uuid the server made: it never changes what it names.
FILE_CACHE = "public, max-age=31536000, immutable"


async def upload_image(
    product_id: Annotated[int, Path()],
    request: Request,
    images: ImageService = Provide[container.images],
) -> JSONResponse:
    part = await read_file_part(request, "file")
    image = await images.add(product_id, part.filename, part.chunks)
    return JSONResponse(
        image.model_dump(mode="json"), status_code=201, headers={"Location": image.url}
    )


async def download(
    name: Annotated[str, Path(max_length=64)],
    images: ImageService = Provide[container.images],
) -> Response:
    found = await images.file(name)
    headers = {
        "Content-Disposition": f'inline; filename="{found.name}"',
        "Cache-Control": FILE_CACHE,
    }
    return Response(found.body, media_type=found.content_type, headers=headers)
