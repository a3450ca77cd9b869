"""Prometheus metrics (prometheus-client). Labels are bounded: the route is its template
(or "unmatched"), the method one of the standard ones (or "OTHER").

With several workers, scripts/serve.py points PROMETHEUS_MULTIPROC_DIR at an empty directory
before they start; every worker writes its values there and /metrics adds them up
(services/metrics_service.py). Without it (one process, e.g. `granian main:app`), the
default in-process registry is used.
"""

import asyncio
import os
from time import perf_counter
from typing import Any

from prometheus_client import Counter, Gauge, Histogram, multiprocess
from velithon.datastructures import Protocol, Scope

from containers import build_database
from middleware.context import current_request

UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "http_requests_total", "HTTP requests by method, route template and status.",
    ["method", "route", "status"],
)  # fmt: skip
DURATION = Histogram(
    "http_request_duration_seconds", "Time from request to response, by route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)  # fmt: skip
IN_PROGRESS = Gauge(
    "http_requests_in_progress", "Requests being handled now.", multiprocess_mode="livesum"
)
RATE_LIMITED = Counter(
    "rate_limit_rejections_total", "Requests refused with 429, by route template.", ["route"]
)
RATE_LIMIT_BACKEND_ERRORS = Counter(
    "rate_limit_backend_errors_total", "Rate-limit checks that could not reach Redis."
)
DB_POOL_SIZE = Gauge(
    "db_pool_connections", "Open PostgreSQL connections in the pools.", multiprocess_mode="livesum"
)
DB_POOL_IDLE = Gauge(
    "db_pool_idle_connections", "Idle PostgreSQL connections in the pools.",
    multiprocess_mode="livesum",
)  # fmt: skip


def route_label(info: Any) -> str:
    return info.route if info is not None and info.route else UNMATCHED


class MetricsMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app
        # Labelled children, looked up once: `labels()` costs more than the increment itself.
        self._counters: dict[tuple[str, str, str], Any] = {}
        self._timers: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, protocol: Protocol) -> None:
        if scope.proto != "http":
            await self.app(scope, protocol)
            return
        method = scope.method if scope.method in METHODS else "OTHER"
        route = route_label(current_request.get())
        started = perf_counter()
        status = 500
        IN_PROGRESS.inc()
        try:
            await self.app(scope, protocol)
            status = protocol.status_code
        finally:
            IN_PROGRESS.dec()
            key = (method, route, str(status))
            counter = self._counters.get(key)
            if counter is None:
                counter = self._counters[key] = REQUESTS.labels(*key)
            counter.inc()
            timer = self._timers.get(key[:2])
            if timer is None:
                timer = self._timers[key[:2]] = DURATION.labels(method, route)
            timer.observe(perf_counter() - started)


async def sample_pool_forever(interval: float = 2.0) -> None:
    """Started per worker by main.py: each reports its own pool; the gauges add them up."""
    database = build_database()
    while True:
        pool = database.pool
        DB_POOL_SIZE.set(pool.get_size())
        DB_POOL_IDLE.set(pool.get_idle_size())
        await asyncio.sleep(interval)


def mark_worker_gone() -> None:
    """Drop this worker's live gauges from the multiprocess files at shutdown."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
