"""One file from a multipart/form-data body, streamed: the body is parsed as it arrives
(python-multipart's push parser), so a worker holds one chunk of an upload at a time and
never the whole of it. Velithon's own form parsing collects the body in memory first and
caps a part at 1 MiB with a misleading 400 (docs/velithon-quirks.md 24).

    part = await read_file_part(request, "file")   # the part's headers are read
    async for chunk in part.chunks: ...             # its bytes, as they arrive

The chunks end only once the whole body was parsed to its closing boundary: a body cut
short (the client went away) raises instead, so the caller never takes half a file for a
whole one. Other fields are read past and ignored; a second file under the same name is 422.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Optional

from python_multipart.multipart import MultipartParser, parse_options_header
from velithon.requests import Request

from web.inputs import field_error, invalid
from web.problems import ProblemError

FORM_DATA = b"multipart/form-data"
MALFORMED = "The multipart body is malformed."


@dataclass
class FilePart:
    filename: str
    chunks: AsyncIterator[bytes]


class _Parser:
    """Feeds request chunks to the push parser and keeps what its callbacks report."""

    def __init__(self, request: Request, boundary: bytes, field: str) -> None:
        self._stream = request.stream().__aiter__()
        self._field = field
        self._headers: dict[bytes, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._in_file = False
        self.filename: Optional[str] = None  # set when the file part's headers are complete
        self.data: list[bytes] = []
        self.finished = False  # the closing boundary was parsed
        callbacks: Any = {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_part,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }
        self._parser = MultipartParser(boundary, callbacks)

    async def feed(self) -> None:
        """Parse the next chunk of the body; the body ending before its closing boundary is
        a 400."""
        try:
            chunk = await self._stream.__anext__()
        except StopAsyncIteration:
            raise ProblemError(
                400, "The multipart body ended before its closing boundary."
            ) from None
        try:
            self._parser.write(chunk)
        except ProblemError:
            raise
        except Exception:  # python-multipart's parse errors
            raise ProblemError(400, MALFORMED) from None

    def _part_begin(self) -> None:
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name != self._field or b"filename" not in options:
            return
        if self.filename is not None:
            invalid([field_error("body", self._field, "give one file, not several")])
        self.filename = options[b"filename"].decode("utf-8", "replace")
        self._in_file = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.data.append(data[start:end])

    def _part_end(self) -> None:
        self._in_file = False

    def _end(self) -> None:
        self.finished = True


async def read_file_part(request: Request, field: str) -> FilePart:
    """The file sent as form field `field` (415 for another media type, 422 without it)."""
    media_type, options = parse_options_header(request.headers.get("content-type") or "")
    boundary = options.get(b"boundary")
    if media_type != FORM_DATA:
        raise ProblemError(415, "Send the file as multipart/form-data.")
    if not boundary:
        raise ProblemError(400, "The multipart Content-Type has no boundary.")
    parser = _Parser(request, boundary, field)
    while parser.filename is None:
        if parser.finished:
            invalid([field_error("body", field, "a file is required", "missing")])
        await parser.feed()
    return FilePart(parser.filename, _chunks(parser))


async def _chunks(parser: _Parser) -> AsyncIterator[bytes]:
    while True:
        if parser.data:
            pending = b"".join(parser.data)
            parser.data.clear()
            yield pending
        if parser.finished:
            return
        await parser.feed()
