"""Logging: structlog for the app, one cheap access line per request, Velithon's own silenced.

- configure_logging(): structlog and stdlib both render JSON lines (production) or readable
  console lines (development), to stdout.
- take_over_velithon_logging(): Velithon 0.6.10 configures its Rust logger in every worker
  and writes its own access line per request (LoggingMiddleware). It can only be switched
  off by raising the level above INFO, which is safe because the error boundary (errors.py)
  already turns exceptions into responses. Velithon's parser also logs two empty ERROR lines
  per 4xx; those are muted too.
- AccessLogMiddleware: request id in, request id out, one line per request. The line is
  built with orjson and buffered; the buffer is written at most every FLUSH_INTERVAL s (or
  every MAX_BUFFERED lines), so a request costs a dict and a list append, not a syscall.
"""

import asyncio
import logging
import logging.config
import re
import sys
from datetime import UTC, datetime
from time import perf_counter
from typing import Any, BinaryIO, Optional

import orjson
import structlog
from velithon.datastructures import Protocol, Scope
from velithon.logging import configure_logger as configure_velithon_logger

from config import Settings
from middleware.client_ip import ClientAddress, peer_address
from middleware.context import RequestInfo, current_request
from middleware.route_templates import RouteTemplates

FLUSH_INTERVAL = 0.2
MAX_BUFFERED = 512
REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


def _orjson_text(event: Any, **kwargs: Any) -> str:
    return orjson.dumps(event, default=kwargs.get("default")).decode()


def _processors(settings: Settings) -> tuple[list[Any], Any]:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if settings.json_logs:
        shared.append(structlog.processors.format_exc_info)
        return shared, structlog.processors.JSONRenderer(serializer=_orjson_text)
    return shared, structlog.dev.ConsoleRenderer(colors=False)


def stdlib_logging_config(settings: Settings) -> dict[str, Any]:
    """dictConfig for stdlib loggers (asyncpg, granian, velithon's Python parts): the same
    format as structlog's. scripts/serve.py hands it to granian for its own process too."""
    shared, renderer = _processors(settings)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structlog": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": [structlog.stdlib.add_logger_name, *shared],
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    renderer,
                ],
            }
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "structlog",
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"handlers": ["stdout"], "level": settings.log_level},
        "loggers": {
            "_granian": {"handlers": [], "propagate": True},
            "granian.access": {"handlers": [], "propagate": False},
        },
    }


def configure_logging(settings: Settings) -> None:
    shared, renderer = _processors(settings)
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, settings.log_level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    logging.config.dictConfig(stdlib_logging_config(settings))
    access_log.enabled = settings.access_log
    access_log.json_lines = settings.json_logs


def take_over_velithon_logging(settings: Settings) -> None:
    """Run in a startup hook: Velithon reconfigures its logger when each worker starts."""
    configure_velithon_logger(level="WARNING", log_format="json" if settings.json_logs else "text")
    velithon = logging.getLogger("velithon")
    velithon.handlers.clear()
    velithon.propagate = True
    velithon.setLevel(logging.WARNING)
    logging.getLogger("velithon.params.parser").setLevel(logging.CRITICAL)


class AccessLog:
    """Per-process buffer of access lines, flushed from the event loop."""

    def __init__(self, stream: Optional[BinaryIO] = None) -> None:
        self.enabled = True
        self.json_lines = True
        self._stream = stream
        self._lines: list[bytes] = []
        self._flush_scheduled = False

    def record(self, info: RequestInfo, method: str, path: str, status: int, ms: float) -> None:
        if not self.enabled:
            return
        now = datetime.now(UTC)
        if self.json_lines:
            line = orjson.dumps(
                {
                    "timestamp": now.isoformat(),
                    "level": "info",
                    "event": "request",
                    "request_id": info.request_id,
                    "method": method,
                    "route": info.route,
                    "path": path,
                    "status": status,
                    "duration_ms": round(ms, 2),
                    "client_ip": info.client_ip,
                    "user_id": info.user_id,
                },
                option=orjson.OPT_APPEND_NEWLINE,
            )
        else:
            line = (
                f"{now:%H:%M:%S} {method} {path} -> {status} {ms:.1f}ms"
                f" route={info.route} client={info.client_ip} user={info.user_id}"
                f" request_id={info.request_id}\n"
            ).encode()
        self._lines.append(line)
        if len(self._lines) >= MAX_BUFFERED:
            self.flush()
        elif not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_later(FLUSH_INTERVAL, self.flush)

    def flush(self) -> None:
        self._flush_scheduled = False
        if not self._lines:
            return
        data = b"".join(self._lines)
        self._lines.clear()
        stream = self._stream or sys.stdout.buffer
        stream.write(data)
        stream.flush()


access_log = AccessLog()


class AccessLogMiddleware:
    """RSGI middleware, outermost: accepts a valid X-Request-ID or keeps Velithon's generated
    one, echoes it, works out the route template and client address once for every layer
    inside (middleware/context.py), and records one access line per request. Only the
    fields above are logged: never headers, cookies, query strings or bodies."""

    def __init__(self, app: Any, routes: RouteTemplates, client_address: ClientAddress) -> None:
        self.app = app
        self._routes = routes
        self._client_address = client_address

    async def __call__(self, scope: Scope, protocol: Protocol) -> None:
        if scope.proto != "http":
            await self.app(scope, protocol)
            return
        started = perf_counter()
        incoming = scope.headers.get("x-request-id")
        if incoming and REQUEST_ID.fullmatch(incoming):
            scope._request_id = incoming
        request_id = scope._request_id
        protocol.update_headers([("x-request-id", request_id)])
        client_ip = self._client_address.resolve(
            peer_address(scope.client), scope.headers.get("x-forwarded-for")
        )
        info = RequestInfo(request_id, self._routes.match(scope.path), client_ip)
        token = current_request.set(info)
        status = 500
        try:
            await self.app(scope, protocol)
            status = protocol.status_code
        finally:
            current_request.reset(token)
            elapsed_ms = (perf_counter() - started) * 1000
            access_log.record(info, scope.method, scope.path, status, elapsed_ms)
