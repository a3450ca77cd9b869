"""Streamed responses (CSV exports). Velithon 0.6.10's StreamingResponse crashes on
construction: it never sets `body`, which its header setup reads (quirk 23,
docs/velithon-quirks.md; pinned by tests/test_velithon_canaries.py). A class attribute
`body = b""` fixes that, and the body then goes out chunked.

Two more things Velithon's leaves undone:
- The first chunk is produced before the status is sent (`stream()`), so a database that is
  down is still a 503, not a 200 cut short.
- A client that goes away makes granian's transport raise ProtocolClosed (after some MB of
  buffer); the chunks' generator is then closed at once, which ends its query and gives its
  connection back, and the request ends without an error.
"""

from collections.abc import AsyncIterator

import structlog
from granian.rsgi import ProtocolClosed
from velithon.datastructures import Protocol, Scope
from velithon.responses import StreamingResponse

from web.context import current_request

log = structlog.get_logger(__name__)


class Streamed(StreamingResponse):
    body = b""  # the quirk's fix: read by Response.init_headers

    def __init__(
        self, first: bytes, rest: AsyncIterator[bytes], media_type: str, headers: dict[str, str]
    ) -> None:
        self._first, self._rest = first, rest
        super().__init__(rest, media_type=media_type, headers=headers)

    async def __call__(self, scope: Scope, protocol: Protocol) -> None:
        transport = protocol.response_stream(self.status_code, self.raw_headers)
        sent = 0
        try:
            await transport.send_bytes(self._first)
            async for chunk in self._rest:
                await transport.send_bytes(chunk)
                sent += 1
        except ProtocolClosed:
            info = current_request.get()
            log.info(
                "stream_abandoned_by_client",
                chunks_sent=sent,
                request_id=info.request_id if info else None,
            )
        finally:
            await self._rest.aclose()  # type: ignore[attr-defined]


async def stream(chunks: AsyncIterator[bytes], media_type: str, **headers: str) -> Streamed:
    """A response that sends `chunks`; the first one is made now, so its errors (a database
    that is down) are still answered as errors."""
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        first = b""
    return Streamed(first, chunks, media_type, headers)
