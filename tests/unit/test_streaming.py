"""web/streaming.py without a server: the first chunk is made before the status goes out, and
a client that goes away closes the chunks' generator (which ends its query)."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from granian.rsgi import ProtocolClosed

from services.errors import DependencyUnavailableError
from web.streaming import stream


class Transport:
    def __init__(self, accept: int) -> None:
        self.accept, self.sent = accept, []  # type: ignore[var-annotated]

    async def send_bytes(self, data: bytes) -> None:
        if len(self.sent) == self.accept:
            raise ProtocolClosed("RSGI transport is closed")
        self.sent.append(data)


class Protocol:
    def __init__(self, accept: int = 1000) -> None:
        self.transport = Transport(accept)
        self.status = 0

    def response_stream(self, status: int, headers: list[Any]) -> Transport:
        self.status = status
        return self.transport


async def test_an_error_before_the_first_chunk_is_raised_before_any_status() -> None:
    async def down() -> AsyncIterator[bytes]:
        raise DependencyUnavailableError("The database is unavailable.")
        yield b""  # pragma: no cover

    with pytest.raises(DependencyUnavailableError):
        await stream(down(), "text/csv")


async def test_all_chunks_go_out_chunked_with_the_headers() -> None:
    async def rows() -> AsyncIterator[bytes]:
        for i in range(3):
            yield f"{i}\r\n".encode()

    response = await stream(rows(), "text/csv", **{"Content-Disposition": "attachment"})
    protocol = Protocol()
    await response(None, protocol)  # type: ignore[arg-type]
    assert protocol.status == 200 and protocol.transport.sent == [b"0\r\n", b"1\r\n", b"2\r\n"]
    headers = dict(response.raw_headers)
    assert headers["content-disposition"] == "attachment"
    assert "content-length" not in headers


async def test_a_client_that_goes_away_closes_the_generator() -> None:
    state = {"made": 0, "closed": False}

    async def endless() -> AsyncIterator[bytes]:
        try:
            while True:
                state["made"] += 1
                yield b"row\r\n"
        finally:
            state["closed"] = True  # a query's transaction ends here

    response = await stream(endless(), "text/csv")
    await response(None, Protocol(accept=5))  # type: ignore[arg-type]
    assert state["closed"] and state["made"] == 6
