from endpoints import images
from models.image import ImageOut
from web.route import Route

UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        }
    },
}

ROUTES = [
    Route(
        "POST",
        "/products/{product_id}/images",
        images.upload_image,
        access="admin",
        summary="Add an image to a product (multipart/form-data, field `file`)",
        tags=("products",),
        status=201,
        response=ImageOut,
        request_body=UPLOAD_BODY,
        body_limit="max_upload_request_size",
        errors={
            404: "No such product (or archived)",
            413: "The file is larger than MAX_FILE_SIZE",
            415: "Not multipart, an extension not allowed, or content that is not what "
            "the extension says",
        },
    ),
    Route(
        "GET",
        "/uploads/{name}",
        images.download,
        access="public",
        summary="An uploaded file, with the content type found in its bytes",
        tags=("products",),
        media_type="*/*",  # the type libmagic found in the file's bytes at upload
        policy="files",
        errors={404: "No such file"},
    ),
]
