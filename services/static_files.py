"""The files in static/ (css, js, images for the pages), read once per worker and kept in
memory with their ETag: they ship with the image and are small. A file that changes on disk
(development) is read again, judged by its mtime and size.

Paths are resolved inside the directory only: `..`, absolute paths, symlinks out of it,
hidden files and anything not a regular file are "not found".
"""

import hashlib
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

MAX_FILE_BYTES = 8 * 1024 * 1024  # bigger assets belong on a CDN or the proxy


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    media_type: str
    etag: str  # the same on every worker and replica (a content hash, not Python's hash())
    mtime_ns: int
    size: int


class StaticFiles:
    def __init__(self, root: Path) -> None:
        self._root = root.resolve()
        self._cache: dict[str, StaticFile] = {}

    def get(self, relative: str) -> Optional[StaticFile]:
        path = self._resolve(relative)
        if path is None:
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        cached = self._cache.get(relative)
        if cached is not None and (cached.mtime_ns, cached.size) == (
            stat.st_mtime_ns,
            stat.st_size,
        ):
            return cached
        if stat.st_size > MAX_FILE_BYTES:
            return None
        body = path.read_bytes()
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if media_type.startswith("text/") or media_type in ("application/javascript",):
            media_type += "; charset=utf-8"
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        found = self._cache[relative] = StaticFile(
            body, media_type, etag, stat.st_mtime_ns, stat.st_size
        )
        return found

    def _resolve(self, relative: str) -> Optional[Path]:
        parts = relative.split("/")
        if not relative or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
            return None
        if "\\" in relative or os.path.isabs(relative):
            return None
        path = (self._root / relative).resolve()
        if not path.is_relative_to(self._root) or not path.is_file():
            return None
        return path
