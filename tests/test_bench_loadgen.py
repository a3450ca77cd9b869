"""bench/loadgen.py (the Python load generator) against a tiny asyncio server in a thread, and
bench/wrk.py's parser on a captured `wrk --latency` report. No timing assertions."""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bench import loadgen, wrk

pytestmark = pytest.mark.no_backing

OK = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\r\nhello"
UNAVAILABLE = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\nbusy"
CHUNKED = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"


@contextmanager
def serving(response: bytes) -> Iterator[str]:
    """A keep-alive HTTP/1.1 server on a free loopback port answering every request with
    `response`; yields its URL."""
    loop = asyncio.new_event_loop()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(response)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def shutdown() -> None:
        server.close()
        handlers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    server = loop.run_until_complete(asyncio.start_server(handle, "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/probe?x=1"
    finally:
        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()


def test_python_generator_counts_responses() -> None:
    with serving(OK) as url:
        result = loadgen.run(url, wrk.Load(1, 4, 1), {"Authorization": "Bearer x"})
    assert result.requests > 0
    assert result.errors == 0
    assert result.rps > 0
    assert 0 < result.p50_ms <= result.p99_ms


def test_python_generator_counts_non_2xx_as_errors() -> None:
    with serving(UNAVAILABLE) as url:
        result = loadgen.run(url, wrk.Load(1, 2, 1), {})
    assert result.requests > 0
    assert result.errors == result.requests


def test_chunked_response_is_an_error() -> None:
    """In this process, for a fraction of a second: every response is refused and reconnected."""
    with serving(CHUNKED) as url:
        worker = loadgen.Worker(loadgen.target(url, {}))
        tally = loadgen._run_loop(worker.run(2, 0.3))
    assert tally.latencies == []
    assert tally.errors > 0


def test_connection_refused_is_an_error() -> None:
    with serving(OK) as url:
        pass  # closed: nothing listens on that port any more
    tally = loadgen._run_loop(loadgen.Worker(loadgen.target(url, {})).run(1, 0.1))
    assert tally.latencies == []
    assert tally.errors > 0


def test_timeout_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loadgen, "TIMEOUT", 0.2)
    with serving(b"") as url:  # reads requests, never answers
        tally = loadgen._run_loop(loadgen.Worker(loadgen.target(url, {})).run(2, 0.5))
    assert tally.latencies == []
    assert tally.errors > 0


def test_target_request() -> None:
    target = loadgen.target("http://localhost:8000/users/me", {"Authorization": "Bearer t"})
    assert (target.host, target.port) == ("localhost", 8000)
    assert target.request == (
        b"GET /users/me HTTP/1.1\r\nHost: localhost:8000\r\nAuthorization: Bearer t\r\n\r\n"
    )
    with pytest.raises(ValueError, match="http://"):
        loadgen.target("https://localhost/", {})


# Captured from wrk 4.1.0 (Debian), `wrk --latency -t1 -c4 -d1s --timeout 5s URL`: against
# `serving(UNAVAILABLE)`, and against a server that drops two connections of three unanswered.
WRK_NON_2XX = """\
Running 1s test @ http://127.0.0.1:38517/probe?x=1
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    68.01us   96.41us   2.33ms   99.13%
    Req/Sec    59.25k   780.91    60.18k    70.00%
  Latency Distribution
     50%   60.00us
     75%   72.00us
     90%   88.00us
     99%  127.00us
  58832 requests in 1.00s, 3.31MB read
  Non-2xx or 3xx responses: 58832
Requests/sec:  58805.71
Transfer/sec:      3.31MB
"""
WRK_SOCKET_ERRORS = """\
Running 1s test @ http://127.0.0.1:38600/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   216.69us   78.29us   1.95ms   91.75%
    Req/Sec     7.13k   287.65     7.47k    70.00%
  Latency Distribution
     50%  200.00us
     75%  239.00us
     90%  281.00us
     99%  430.00us
  7093 requests in 1.00s, 297.85KB read
  Socket errors: connect 0, read 10716, write 0, timeout 0
Requests/sec:   7085.00
Transfer/sec:    297.51KB
"""


def test_wrk_parse() -> None:
    assert wrk.parse(WRK_NON_2XX) == wrk.Result(
        rps=58805.71, p50_ms=0.06, p99_ms=0.127, requests=58832, errors=58832
    )
    assert wrk.parse(WRK_SOCKET_ERRORS) == wrk.Result(
        rps=7085.0, p50_ms=0.2, p99_ms=0.43, requests=7093, errors=10716
    )
    assert wrk.parse(WRK_SOCKET_ERRORS.replace("430.00us", "1.25s")).p99_ms == 1250.0
    with pytest.raises(ValueError, match="Requests/sec"):
        wrk.parse("Running 1s test @ http://127.0.0.1:1/\n")
