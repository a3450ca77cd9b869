"""A Python load generator for when wrk is missing: the interface of bench/wrk.py, `run(url, load,
headers) -> Result`. `load.threads` processes, each an asyncio loop (uvloop when importable) with
its share of `load.connections` keep-alive HTTP/1.1 connections, each in a closed loop: one GET,
the whole response (Content-Length bytes of body), the next GET. Errors as wrk counts them:
non-2xx/3xx responses and socket errors (connect, reset, 5 s timeout); a response without a
Content-Length (chunked, or ending at close) is an error too, and the connection is reopened.
It competes with the servers for the same CPUs: its numbers are not comparable with wrk's.

    python -m bench.loadgen -t2 -c32 -d10s http://127.0.0.1:8000/health/live
"""

import argparse
import asyncio
import math
import multiprocessing
import re
import signal
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Barrier
from typing import Any, Optional, cast
from urllib.parse import urlsplit

from bench.wrk import Load, Result

TIMEOUT = 5.0  # seconds, as `wrk --timeout 5s`
HEAD_END = b"\r\n\r\n"
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)[ \t]*(?=\r\n|$)", re.IGNORECASE)
CHUNKED = re.compile(rb"\r\ntransfer-encoding:", re.IGNORECASE)
CLOSE = re.compile(rb"\r\nconnection:[ \t]*close", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    request: bytes  # the whole GET, sent as is on every turn


@dataclass
class Tally:
    latencies: list[float]  # seconds, one per response received in time
    errors: int = 0
    elapsed: float = 0.0


def target(url: str, headers: dict[str, str]) -> Target:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None:
        raise ValueError(f"plain http://host[:port]/path URLs only, not {url!r}")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    lines = [f"GET {path} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return Target(parts.hostname, parts.port or 80, request)


class Client(asyncio.Protocol):
    """One connection: sends the request, reads the response, records it, sends again."""

    def __init__(self, worker: "Worker") -> None:
        self.worker = worker
        self.transport: asyncio.Transport  # from connection_made on
        self.buffer = bytearray()
        self.need = -1  # bytes of the whole response, once its head is read
        self.sent = 0.0  # perf_counter() of the request in flight, 0.0 when none
        self.status = 0
        self.closing = False  # the response said `Connection: close`
        self.failed = False
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.worker.clients.add(self)
        self.send()

    def send(self) -> None:
        self.buffer.clear()
        self.need = -1
        self.sent = time.perf_counter()
        self.transport.write(self.worker.target.request)

    def fail(self) -> None:
        """An error (bad response, timeout): count it once and drop the connection."""
        if not self.failed and not self.worker.stopped:
            self.worker.tally.errors += 1
        self.failed = True
        self.transport.abort()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.need < 0 and not self.read_head():
            return
        if len(self.buffer) < self.need or self.worker.stopped:
            return
        if len(self.buffer) > self.need:
            self.fail()  # more than one response to one request
            return
        self.worker.tally.latencies.append(time.perf_counter() - self.sent)
        if not 200 <= self.status < 400:
            self.worker.tally.errors += 1
        if self.closing:
            self.sent = 0.0
            self.transport.close()
        else:
            self.send()

    def read_head(self) -> bool:
        """Sets status and need once the head is in; False until then, or on a failure."""
        if not self.sent:
            self.fail()  # bytes nobody asked for
            return False
        end = self.buffer.find(HEAD_END)
        if end < 0:
            return False
        head = bytes(self.buffer[:end])
        length = CONTENT_LENGTH.search(head)
        if not head.startswith(b"HTTP/1.") or len(head) < 12 or not head[9:12].isdigit():
            self.fail()
            return False
        self.status = int(head[9:12])
        self.closing = CLOSE.search(head) is not None
        if self.status in (204, 304):
            self.need = end + 4
        elif length is None or CHUNKED.search(head):
            self.fail()  # chunked, or delimited by the close: not what our servers send
            return False
        else:
            self.need = end + 4 + int(length[1])
        return True

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if self.sent and not self.failed and not self.worker.stopped:
            self.worker.tally.errors += 1  # reset or closed with a request in flight
        self.worker.clients.discard(self)
        if not self.lost.done():
            self.lost.set_result(None)


class Worker:
    """One process's connections, for `seconds`."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.tally = Tally([])
        self.clients: set[Client] = set()
        self.stopped = False

    async def connection(self) -> None:
        """Keeps one connection open: reconnects after every error or close."""
        loop = asyncio.get_running_loop()
        while True:
            try:
                async with asyncio.timeout(TIMEOUT):
                    _, client = await loop.create_connection(
                        lambda: Client(self), self.target.host, self.target.port
                    )
            except (OSError, TimeoutError):
                self.tally.errors += 1
                continue
            await client.lost

    async def watchdog(self) -> None:
        while True:
            await asyncio.sleep(0.1)
            now = time.perf_counter()
            for client in list(self.clients):
                if client.sent and now - client.sent > TIMEOUT:
                    client.fail()

    async def run(self, connections: int, seconds: float) -> Tally:
        started = time.perf_counter()
        tasks = [asyncio.create_task(self.connection()) for _ in range(connections)]
        tasks.append(asyncio.create_task(self.watchdog()))
        await asyncio.sleep(seconds)
        self.stopped = True
        self.tally.elapsed = time.perf_counter() - started
        for task in tasks:
            task.cancel()
        for client in list(self.clients):
            client.transport.abort()
        await asyncio.gather(*tasks, return_exceptions=True)
        return self.tally


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def _run_loop(main: Coroutine[Any, Any, Tally]) -> Tally:
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(main)


def _process(target: Target, connections: int, seconds: float, start: Barrier, out: Pipe) -> None:
    """A worker process: Ctrl-C goes to the parent, which terminates us."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        start.wait(timeout=60)
        out.send(_run_loop(Worker(target).run(connections, seconds)))
    except BaseException:
        start.abort()
        raise
    finally:
        out.close()


def _percentile(ordered: list[float], fraction: float) -> float:
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)] if ordered else 0.0


def merge(tallies: list[Tally]) -> Result:
    latencies = sorted(latency for tally in tallies for latency in tally.latencies)
    elapsed = max((tally.elapsed for tally in tallies), default=0.0)
    return Result(
        rps=len(latencies) / elapsed if elapsed else 0.0,
        p50_ms=_percentile(latencies, 0.50) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        requests=len(latencies),
        errors=sum(tally.errors for tally in tallies),
    )


def run(url: str, load: Load, headers: dict[str, str]) -> Result:
    if not 1 <= load.threads <= load.connections:
        raise ValueError(f"need 1 <= threads <= connections: {load}")
    goal = target(url, headers)
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(load.threads)
    processes: list[BaseProcess] = []
    pipes: list[Pipe] = []
    done = False
    try:
        for index in range(load.threads):
            share = load.connections // load.threads + (index < load.connections % load.threads)
            receive, send = context.Pipe(duplex=False)
            process = context.Process(
                target=_process, args=(goal, share, load.seconds, start, send), daemon=True
            )
            process.start()
            send.close()
            processes.append(process)
            pipes.append(receive)
        try:
            tallies: list[Tally] = [pipe.recv() for pipe in pipes]
        except EOFError:
            raise RuntimeError("a load generator process failed (its traceback is above)") from None
        done = True
    finally:
        for started in processes:
            if not done:
                started.terminate()
            started.join(timeout=10)
        for pipe in pipes:
            pipe.close()
    return merge(tallies)


def seconds(text: str) -> int:
    return int(text.removesuffix("s"))


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser("python -m bench.loadgen", description=__doc__)
    parser.add_argument("-t", "--threads", type=int, default=2, help="processes (2)")
    parser.add_argument("-c", "--connections", type=int, default=32, help="connections (32)")
    parser.add_argument("-d", "--duration", type=seconds, default=10, help="seconds: 10 or 10s")
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("url")
    args = parser.parse_args(argv)
    headers = dict(
        (name.strip(), value.strip()) for name, _, value in (h.partition(":") for h in args.header)
    )
    try:
        result = run(args.url, Load(args.threads, args.connections, args.duration), headers)
    except KeyboardInterrupt:
        return 130
    print(
        f"{result.rps:.0f} req/s  p50 {result.p50_ms:.2f} ms  p99 {result.p99_ms:.2f} ms  "
        f"requests {result.requests}  errors {result.errors}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
