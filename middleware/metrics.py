"""Counts and times every answer (401s, 413s and 429s too) under its route template
(observability/metrics.py holds the definitions and the per-worker tallies)."""

from time import perf_counter
from typing import Any

from velithon.datastructures import Protocol, Scope

from observability.metrics import METHODS, STATUS_TEXT, route_label, tallies
from web.context import current_request


class MetricsMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, protocol: Protocol) -> None:
        if scope.proto != "http":
            await self.app(scope, protocol)
            return
        method = scope.method if scope.method in METHODS else "OTHER"
        route = route_label(current_request.get())
        started = perf_counter()
        status = 500
        tallies.in_progress += 1
        try:
            await self.app(scope, protocol)
            status = protocol.status_code
        finally:
            tallies.in_progress -= 1
            tallies.record(
                method, route, STATUS_TEXT.get(status) or str(status), perf_counter() - started
            )
