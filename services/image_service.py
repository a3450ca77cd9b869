"""Product images: the upload rules of the guide's "File Upload Best Practices", made to hold.

- The extension must be in ALLOWED_EXTENSIONS, and the bytes must sniff (python-magic) as a type
  that extension may hold (services/content_types.py): a ".png" that is a PDF, HTML or a script
  is refused (415). The stored content type is the sniffed one.
- At most MAX_FILE_SIZE bytes, counted as they arrive (413); the request's Content-Length is
  refused earlier, before anything is read (middleware/body_limit.py).
- The client's file name gives the extension and nothing else: the file is stored under a
  uuid, staged and committed atomically by the file store (services/storage.py), and whatever
  fails (a rule, the database, the client going away) leaves nothing behind.
"""

import uuid
from collections.abc import AsyncIterable, Collection, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

import asyncpg

from models.image import ImageOut
from services.content_types import (
    SNIFF_BYTES,
    TYPES_BY_EXTENSION,
    Sniffer,
)
from services.database_service import DatabaseService
from services.errors import (
    InvalidFieldError,
    NotFoundError,
    TooLargeError,
    UnsupportedMediaTypeError,
)
from services.storage import FileStore, valid_name

URL_PREFIX = "/uploads/"
COLUMNS = "id, product_id, file_name, content_type, size, created_at"
# Inserted only for a product that is not archived; no row means no such product.
INSERT = (
    "INSERT INTO product_images (id, product_id, file_name, content_type, size) "  # noqa: S608
    "SELECT $1, id, $3, $4, $5 FROM products WHERE id = $2 AND archived_at IS NULL "
    "RETURNING " + COLUMNS
)
LIVE_PRODUCT = "SELECT 1 FROM products WHERE id = $1 AND archived_at IS NULL"
BY_FILE_NAME = (
    "SELECT i.content_type FROM product_images i JOIN products p ON p.id = i.product_id "
    "WHERE i.file_name = $1 AND p.archived_at IS NULL"
)
FIRST_OF_EACH = (
    "SELECT DISTINCT ON (product_id) product_id, file_name FROM product_images "
    "WHERE product_id = ANY($1::bigint[]) ORDER BY product_id, created_at, id"
)
NO_SUCH_PRODUCT = "No product with this id."


@dataclass(frozen=True)
class StoredFile:
    body: bytes
    content_type: str
    name: str


def _image(row: asyncpg.Record) -> ImageOut:
    return ImageOut(
        id=row["id"],
        product_id=row["product_id"],
        url=URL_PREFIX + row["file_name"],
        content_type=row["content_type"],
        size=row["size"],
        created_at=row["created_at"],
    )


class ImageService:
    def __init__(
        self,
        database: DatabaseService,
        store: FileStore,
        sniff: Sniffer,
        allowed_extensions: Collection[str],
        max_bytes: int,
    ) -> None:
        self._db = database
        self._store = store
        self._sniff = sniff
        self._allowed = frozenset(extension.lower() for extension in allowed_extensions)
        self._max = max_bytes

    def extension(self, filename: str) -> str:
        """The allowed extension of a client's file name (415 otherwise)."""
        suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
        if suffix not in self._allowed:
            allowed = ", ".join(sorted(self._allowed))
            raise UnsupportedMediaTypeError(f"Only these file types are accepted: {allowed}.")
        return suffix

    async def add(self, product_id: int, filename: str, chunks: AsyncIterable[bytes]) -> ImageOut:
        extension = self.extension(filename)
        if await self._db.fetchval(LIVE_PRODUCT, product_id) is None:
            raise NotFoundError(NO_SUCH_PRODUCT)
        name = ""
        async with self._store.stage() as staged:
            head = b""
            async for chunk in chunks:
                if staged.size + len(chunk) > self._max:
                    raise TooLargeError(f"The file is larger than {self._max} bytes.")
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                await staged.write(chunk)
            if staged.size == 0:
                raise InvalidFieldError("file", "The file is empty.")
            content_type = self._sniff(head)
            if content_type not in TYPES_BY_EXTENSION[extension]:
                raise UnsupportedMediaTypeError(
                    f"The file's content is {content_type}, not what {extension} holds."
                )
            image_id = uuid.uuid4()
            name = f"{image_id.hex}{extension}"
            size = staged.size
            await staged.commit(name)
        try:
            row = await self._db.fetchrow(INSERT, image_id, product_id, name, content_type, size)
        except BaseException:
            await self._store.delete(name)
            raise
        if row is None:  # archived while the file arrived
            await self._store.delete(name)
            raise NotFoundError(NO_SUCH_PRODUCT)
        return _image(row)

    async def file(self, name: str) -> StoredFile:
        """A committed image of a live product, by its stored name (404 for anything else)."""
        if not valid_name(name):
            raise NotFoundError("No such file.")
        content_type = await self._db.fetchval(BY_FILE_NAME, name)
        body = None if content_type is None else await self._store.read(name)
        if body is None:
            raise NotFoundError("No such file.")
        return StoredFile(body, content_type, name)

    async def first_images(self, product_ids: Iterable[int]) -> dict[int, str]:
        """Each product's first image, as its URL (products without one are left out)."""
        ids = list(product_ids)
        if not ids:
            return {}
        rows = await self._db.fetch(FIRST_OF_EACH, ids)
        return {row["product_id"]: URL_PREFIX + row["file_name"] for row in rows}
