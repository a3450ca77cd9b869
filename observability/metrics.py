"""Prometheus metric definitions (prometheus-client). Labels are bounded: the route is its template
(or "unmatched"), the method one of the standard ones (or "OTHER").

Every worker writes its values to files in PROMETHEUS_MULTIPROC_DIR (observability/
multiprocess.py chooses it when the launcher did not) and /metrics adds them up (render()).
Per-request values are tallied in the worker first and reach Prometheus within FLUSH_INTERVAL
(RequestTallies).
"""

import asyncio
import math
import os
from bisect import bisect_left
from typing import Any

# isort: off
import observability.multiprocess  # noqa: F401  (must run before prometheus_client is imported)
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

# isort: on
from services.database_service import DatabaseService

UNMATCHED = "unmatched"
FLUSH_INTERVAL = 0.5  # seconds: how stale /metrics may be
STATUS_TEXT = {code: str(code) for code in range(100, 600)}
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests by method, route template and status.",
    ["method", "route", "status"],
)
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from request to response, by route template.",
    ["method", "route"],
    buckets=DURATION_BUCKETS,
)
DURATION_BOUNDS = (*DURATION_BUCKETS, math.inf)  # Histogram adds +Inf
IN_PROGRESS = Gauge(
    "http_requests_in_progress",
    "Requests being handled (as of the last flush: <= 0.5 s).",
    multiprocess_mode="livesum",
)
RATE_LIMITED = Counter(
    "rate_limit_rejections_total", "Requests refused with 429, by route template.", ["route"]
)
RATE_LIMIT_BACKEND_ERRORS = Counter(
    "rate_limit_backend_errors_total", "Rate-limit checks that could not reach Redis."
)
CACHE_READS = Counter(
    "cache_reads_total",
    "Cache reads by cache name and result: hit, miss (computed here), wait (filled by another "
    "worker meanwhile), error (Redis failed: answered from PostgreSQL).",
    ["cache", "result"],
)
CACHE_INVALIDATION_ERRORS = Counter(
    "cache_invalidation_errors_total", "Invalidations Redis did not take (retried).", ["cache"]
)
BACKGROUND_TASK_FAILURES = Counter(
    "background_task_failures_total", "In-process tasks after a response that failed.", ["task"]
)
DB_POOL_SIZE = Gauge(
    "db_pool_connections", "Open PostgreSQL connections in the pools.", multiprocess_mode="livesum"
)
DB_POOL_IDLE = Gauge(
    "db_pool_idle_connections",
    "Idle PostgreSQL connections in the pools.",
    multiprocess_mode="livesum",
)


def route_label(info: Any) -> str:
    return info.template if info is not None and info.template else UNMATCHED


class RequestTallies:
    """Per-worker request counts and durations, folded into the Prometheus values at most
    FLUSH_INTERVAL seconds later. A Prometheus value costs a lock and, with several workers,
    a write to a memory-mapped file; the five of them per request were the largest share of
    the stack's time on cheap endpoints. A dict update is a fraction of that, and scrapes
    (every 15 s or more) never see the difference."""

    def __init__(self) -> None:
        self.in_progress = 0
        self._counts: dict[tuple[str, str, str], int] = {}
        # (method, route) -> [sum of seconds, count per bucket as Histogram stores them]
        self._durations: dict[tuple[str, str], list[Any]] = {}
        self._flush_scheduled = False

    def record(self, method: str, route: str, status: str, seconds: float) -> None:
        key = (method, route, status)
        self._counts[key] = self._counts.get(key, 0) + 1
        duration = self._durations.get((method, route))
        if duration is None:
            duration = self._durations[method, route] = [0.0, [0] * len(DURATION_BOUNDS)]
        duration[0] += seconds
        duration[1][bisect_left(DURATION_BOUNDS, seconds)] += 1
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_later(FLUSH_INTERVAL, self.flush)

    def flush(self) -> None:
        """Also called at shutdown (main.py), so a stopping worker loses nothing."""
        self._flush_scheduled = False
        IN_PROGRESS.set(self.in_progress)
        counts, self._counts = self._counts, {}
        durations, self._durations = self._durations, {}
        for labels, count in counts.items():
            REQUESTS.labels(*labels).inc(count)
        for key, (total, buckets) in durations.items():
            # prometheus-client has no "observe n values"; its Histogram keeps a sum and one
            # non-cumulative value per bucket (tests/test_metrics.py fails if that changes).
            child = DURATION.labels(*key)
            child._sum.inc(total)
            for bucket, count in zip(child._buckets, buckets, strict=True):
                if count:
                    bucket.inc(count)


tallies = RequestTallies()


async def sample_pool_forever(database: DatabaseService, interval: float = 2.0) -> None:
    """Started per worker by main.py: each reports its own pool; the gauges add them up."""
    while True:
        pool = database.pool
        DB_POOL_SIZE.set(pool.get_size())
        DB_POOL_IDLE.set(pool.get_idle_size())
        await asyncio.sleep(interval)


def mark_worker_gone() -> None:
    """Drop this worker's live gauges from the multiprocess files at shutdown."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


CONTENT_TYPE = CONTENT_TYPE_LATEST


def render() -> bytes:
    """The Prometheus text of every worker of this server (or of this process alone)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
