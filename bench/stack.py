"""`make bench-stack`: the app's RSGI stack called in a loop, in this process, on uvloop, with
real PostgreSQL and Redis, and no network or load generator in between. Steadier than wrk on a
small machine, and it can take the stack apart: after the whole stack, each middleware is
removed in turn, and the difference is what that layer costs a request.

Numbers are microseconds per request (wall clock of one event loop, so they include the waits
for PostgreSQL and Redis), with --concurrency requests in flight at a time (Redis checks of
concurrent requests share round trips, as under load), for the full app and for
bench/bare_app.py (bare Velithon doing the same I/O): the difference is what the stack costs.
"""

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any, Optional

import orjson
import uvloop

from bench.common import PROFILE_KEY
from bench.run import backing_url
from bench.servers import Backing
from bench.shop import PRODUCTS, cached_paths  # example-shop:line

ENDPOINTS = (
    ("GET", "/health/live", False),
    ("GET", "/bench/items", False),
    ("GET", "/users/me", True),
    ("GET", "/bench/cached-profile", False),
    ("GET", "/products/1", False),  # example-shop:line
    ("GET", "/products?limit=20", False),  # example-shop:line
)


class Headers(dict[str, str]):
    pass


class FakeScope:
    """What granian hands an RSGI app for one HTTP request."""

    __slots__ = ("client", "headers", "method", "path", "query_string")
    proto = "http"
    http_version = "1.1"
    rsgi_version = "1.5"
    server = "127.0.0.1:8000"
    scheme = "http"
    authority = None

    def __init__(self, method: str, path: str, headers: dict[str, str], query: str = "") -> None:
        self.method, self.path, self.query_string = method, path, query
        self.headers = Headers(headers)
        self.client = "127.0.0.1:50000"


class FakeTransport:
    async def send_bytes(self, data: bytes) -> None:
        pass

    async def send_str(self, data: str) -> None:
        pass


class FakeProtocol:
    """Collects the response instead of sending it."""

    def __init__(self, body: bytes = b"") -> None:
        self.body, self.status, self.sent = body, 0, b""

    async def __call__(self) -> bytes:
        return self.body

    def __aiter__(self) -> Any:
        async def chunks() -> Any:
            if self.body:
                yield self.body

        return chunks()

    def response_bytes(self, status: int, headers: list[Any], body: bytes) -> None:
        self.status, self.sent = status, body

    def response_str(self, status: int, headers: list[Any], body: str) -> None:
        self.status, self.sent = status, body.encode()

    def response_empty(self, status: int, headers: list[Any]) -> None:
        self.status = status

    def response_stream(self, status: int, headers: list[Any]) -> FakeTransport:
        self.status = status
        return FakeTransport()


async def call(
    app: Any, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> FakeProtocol:
    protocol = FakeProtocol(body)
    path, _, query = path.partition("?")
    await app(FakeScope(method, path, headers, query), protocol)
    return protocol


CLOCK = time.perf_counter  # --cpu: time.process_time, this process's CPU only


async def per_request_us(
    app: Any, path: str, headers: dict[str, str], count: int, concurrency: int
) -> float:
    """Microseconds per request, `concurrency` at a time; the median of 5 runs."""
    batches = max(1, count // concurrency)
    samples = []
    for _ in range(5):
        started = CLOCK()
        for _ in range(batches):
            results = await asyncio.gather(
                *(call(app, "GET", path, headers) for _ in range(concurrency))
            )
            if results[0].status != 200:  # e.g. /users/me without the auth middleware
                return float("nan")
        samples.append((CLOCK() - started) / (batches * concurrency) * 1e6)
    return statistics.median(samples)


def build(without: Optional[type] = None) -> Any:
    """bench/full_app.py's app; without one middleware class if asked."""
    from bench.full_app import create_app_for_bench
    from config import get_settings

    get_settings.cache_clear()  # --full-env changes the environment between builds
    app = create_app_for_bench()
    if without is not None:
        app.user_middleware = [m for m in app.user_middleware if m.cls is not without]
        app.middleware_stack = None
    return app


async def seed(app: Any, backing: Backing) -> dict[str, str]:
    email = f"stack-{secrets.token_hex(5)}@example.com"
    password = f"Stack-{secrets.token_hex(6)}-9"
    json = {"content-type": "application/json"}
    user = {"name": "Stack", "email": email, "password": password}
    created = await call(app, "POST", "/users", json, orjson.dumps(user))
    if created.status != 201:
        raise SystemExit(f"signup: {created.status} {created.sent!r}")
    login = await call(
        app, "POST", "/auth/login", json, orjson.dumps({"email": email, "password": password})
    )
    backing.redis.set(backing.key_prefix + ":".join(PROFILE_KEY), created.sent)
    # example-shop:begin
    await asyncio.to_thread(backing.execute, PRODUCTS)
    for key, path in cached_paths():
        answer = await call(app, "GET", path, {})  # now in the full app's cache
        backing.redis.set(backing.key_prefix + ":".join(key), answer.sent)  # the bare app's
    # example-shop:end
    return {"authorization": f"Bearer {orjson.loads(login.sent)['access_token']}"}


def run(app: Any, job: Callable[[Any], Any]) -> Any:
    """Start the app's workers' hooks on a uvloop loop, run `job`, stop them."""
    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    app.__rsgi_init__(loop)
    try:
        return loop.run_until_complete(job(app))
    finally:
        app.__rsgi_del__(loop)
        loop.close()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser("python -m bench.stack", description=__doc__)
    parser.add_argument("--requests", type=int, default=4000, help="per run (4000)")
    parser.add_argument("--concurrency", type=int, default=32, help="in flight (32)")
    parser.add_argument("--layers", action="store_true", help="also each middleware's cost")
    parser.add_argument(
        "--cpu", action="store_true", help="this process's CPU time instead of the wall clock"
    )
    parser.add_argument(
        "--full-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for the full app only",
    )
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = time.process_time if args.cpu else time.perf_counter
    backing = Backing(backing_url("DATABASE_URL"), backing_url("REDIS_URL")).open()
    os.environ.update(
        ENV_FILE="",
        ENVIRONMENT="test",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        DATABASE_URL=backing.database_url,
        REDIS_URL=backing.redis_url,
        REDIS_KEY_PREFIX=backing.key_prefix,
        JWT_SECRET=secrets.token_urlsafe(48),
        RATE_LIMIT_PER_MINUTE="100000000",
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST="8192",
        ARGON2_PARALLELISM="1",
    )
    # The app's log lines (the access log) go to fd 1: counted, not shown. The report keeps
    # the terminal.
    report = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    try:
        full = build()
        headers = run(full, lambda app: seed(app, backing))
        os.environ.update(item.split("=", 1) for item in args.full_env)  # type: ignore[misc]

        async def measure_all(app: Any) -> dict[str, float]:
            found = {}
            for _, path, auth in ENDPOINTS:
                sent = headers if auth else {}
                found[path] = await per_request_us(app, path, sent, args.requests, args.concurrency)
            return found

        whole = run(build(), measure_all)
        for item in args.full_env:
            os.environ.pop(item.split("=", 1)[0])
        from config import get_settings

        get_settings.cache_clear()
        from bench import bare_app  # reads the settings set above when imported

        bare = run(bare_app.app, measure_all)
        clock = "CPU" if args.cpu else "wall clock"
        report.write(f"us per request ({clock}), {args.concurrency} in flight: full  bare  stack\n")
        for path, us in whole.items():
            report.write(f"  {path:24} {us:22.1f} {bare[path]:7.1f} {us - bare[path]:+7.1f}\n")
        if args.layers:
            report.write("cost of each middleware (whole stack minus the stack without it):\n")
            for middleware in [m.cls for m in full.user_middleware]:
                without = run(build(middleware), measure_all)
                costs = "  ".join(
                    f"{p} {whole[p] - us:+6.1f}" if us == us else f"{p}    n/a"
                    for p, us in without.items()
                )
                report.write(f"  {middleware.__name__:28} {costs}\n")
    finally:
        backing.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
