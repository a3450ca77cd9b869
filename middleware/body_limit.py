"""Request size: a body over MAX_REQUEST_SIZE (or its route's own limit, web/route.py
`body_limit`: uploads) gets 413.

A declared Content-Length over the limit is refused before anything is read. A body without
one (chunked) is counted as it streams in, and reading stops with 413 once it passes the limit:
Velithon would otherwise collect the whole body in memory first (facts page).
"""

from collections.abc import Mapping
from typing import Any

from velithon.datastructures import Protocol, Scope

from web.context import current_request
from web.problems import problem
from web.route import Route
from web.velithon_private import wrap_receive

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyTooLargeError(Exception):
    """Raised from the body stream; the error boundary answers 413."""


class _CountingProtocol:
    """Wraps the server's protocol; only its body iteration is changed."""

    __slots__ = ("_limit", "_protocol")

    def __init__(self, protocol: Any, limit: int) -> None:
        self._protocol = protocol
        self._limit = limit

    def __getattr__(self, name: str) -> Any:
        return getattr(self._protocol, name)

    def __aiter__(self) -> Any:
        return self._count()

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return await self._protocol(*args, **kwargs)

    async def _count(self) -> Any:
        seen = 0
        async for chunk in self._protocol:
            seen += len(chunk)
            if seen > self._limit:
                raise BodyTooLargeError
            yield chunk


class BodyLimitMiddleware:
    def __init__(self, app: Any, max_size: int, route_limits: Mapping[Route, int]) -> None:
        self.app = app
        self._max = max_size
        self._route_limits = route_limits

    async def __call__(self, scope: Scope, protocol: Protocol) -> None:
        if scope.proto != "http" or scope.method not in BODY_METHODS:
            await self.app(scope, protocol)
            return
        limit = self._max
        if self._route_limits:
            info = current_request.get()
            if info is not None and info.route is not None:
                limit = self._route_limits.get(info.route, limit)
        length = scope.headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                await problem(scope, 400, "Content-Length is not a number.")(scope, protocol)
                return
            if int(length) > limit:
                detail = f"The request body is larger than {limit} bytes."
                await problem(scope, 413, detail)(scope, protocol)
                return
        else:
            wrap_receive(protocol, lambda inner: _CountingProtocol(inner, limit))
        await self.app(scope, protocol)
