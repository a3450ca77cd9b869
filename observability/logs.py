"""Logging: structlog for the app, stdlib loggers (asyncpg, granian) in the same format,
Velithon's own logging silenced, and every line written whole.

- configure_logging(): JSON lines (production, or LOG_FORMAT=json) or console lines, to stdout
  through one LineWriter per process.
- LineWriter: several workers share one stdout. A write to a pipe is atomic only up to
  PIPE_BUF (4096) bytes, so the writer sends whole lines only, at most PIPE_BUF bytes a call,
  and renderers keep a line within that (long values are cut): lines never interleave.
- Exceptions are logged with their type, SQLSTATE where there is one, and frames; never their
  message, which for a database error carries row contents ("Failing row contains ...").
  log_unexpected() writes the traceback at most once per TRACEBACK_INTERVAL per exception
  type, so an outage does not write a traceback per request.
- take_over_velithon_logging(): Velithon 0.6.10 configures its Rust logger in every worker and
  writes its own access line; it can only be switched off by raising its level above INFO,
  which is safe because the error boundary turns exceptions into responses.
"""

import logging
import logging.config
import os
import sys
import threading
import time
import traceback
from typing import Any, Optional

import orjson
import structlog
from velithon.logging import configure_logger as configure_velithon_logger

from config import Settings

PIPE_BUF = 4096
MAX_LINE = PIPE_BUF - 1  # plus the newline
TRACEBACK_INTERVAL = 60.0  # seconds between two tracebacks of one exception type
# Exceptions whose message describes code, not data; every other message is left out.
SAFE_MESSAGES = (AttributeError, NameError, ImportError, NotImplementedError, TypeError)

log = structlog.get_logger("app")


class LineWriter:
    """A text or binary sink that writes whole lines to a file descriptor, each os.write at
    most PIPE_BUF bytes, so lines of several processes sharing the descriptor never mix."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Lock()  # granian's threads and the event loop may both log
        self._partial = b""

    def write(self, data: str | bytes) -> int:
        chunk = data.encode("utf-8", "replace") if isinstance(data, str) else data
        with self._lock:
            chunk, self._partial = self._partial + chunk, b""
            end = chunk.rfind(b"\n") + 1
            self._partial = chunk[end:]
            self._write_lines(chunk[:end])
        return len(data)

    def flush(self) -> None:
        with self._lock:
            if self._partial:
                self._write_lines(self._partial + b"\n")
                self._partial = b""

    def _write_lines(self, lines: bytes) -> None:
        start = 0
        while start < len(lines):
            stop = lines.rfind(b"\n", start, start + PIPE_BUF) + 1
            if stop <= start:  # one line longer than PIPE_BUF: cut it (renderers avoid this)
                stop = lines.find(b"\n", start) + 1 or len(lines)
                self._write_all(lines[start : start + MAX_LINE] + b"\n")
            else:
                self._write_all(lines[start:stop])
            start = stop

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._fd, view)
            except InterruptedError:
                continue
            except OSError:
                return  # stdout is gone (a closed pipe): logging must not fail the request
            view = view[written:]

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def fileno(self) -> int:
        return self._fd


stdout = LineWriter(sys.stdout.fileno() if sys.stdout else 1)


def describe(exc: BaseException) -> dict[str, Any]:
    """What may be logged of an exception: its type, SQLSTATE, and a safe message."""
    described: dict[str, Any] = {"error": _type_name(exc)}
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str):
        described["sqlstate"] = sqlstate
    if isinstance(exc, SAFE_MESSAGES):
        described["message"] = str(exc)[:300]
    cause = exc.__cause__ or exc.__context__
    if cause is not None:
        described["cause"] = _type_name(cause)
    return described


def traceback_text(exc: BaseException) -> str:
    """Frames of the exception and its causes, each exception named by type only."""
    parts: list[str] = []
    seen: set[int] = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        line = _type_name(current)
        if isinstance(current, SAFE_MESSAGES):
            line += f": {str(current)[:300]}"
        elif isinstance(getattr(current, "sqlstate", None), str):
            line += f" (SQLSTATE {current.sqlstate})"  # type: ignore[attr-defined]
        parts.append(f"Traceback (most recent call last):\n{frames}{line}\n")
        current = current.__cause__ or current.__context__
    return "\nThe above was raised while handling:\n".join(reversed(parts))


_last_traceback: dict[type, float] = {}


def log_unexpected(event: str, exc: BaseException, **fields: Any) -> None:
    """An exception nobody handled: once per request, its traceback at most once per
    TRACEBACK_INTERVAL per type."""
    now = time.monotonic()
    kind = type(exc)
    entry: dict[str, Any] = {**fields, **describe(exc)}
    if now - _last_traceback.get(kind, -TRACEBACK_INTERVAL) >= TRACEBACK_INTERVAL:
        _last_traceback[kind] = now
        entry["traceback"] = traceback_text(exc)
    log.error(event, **entry)


def _type_name(exc: BaseException) -> str:
    kind = type(exc)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _safe_exc_info(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    """Replaces structlog's format_exc_info: an exception logged anywhere (ours, asyncpg's,
    granian's) is rendered without its message."""
    exc_info = event.pop("exc_info", None)
    if exc_info:
        if exc_info is True:
            exc_info = sys.exc_info()
        exc = exc_info[1] if isinstance(exc_info, tuple) else exc_info
        if isinstance(exc, BaseException):
            event.update(describe(exc))
            event.setdefault("traceback", traceback_text(exc))
    return event


def fit(event: dict[str, Any]) -> bytes:
    """One JSON line of at most MAX_LINE bytes: the longest values are cut (their middle) until
    it fits, and the line says it was."""
    line = orjson.dumps(event, default=str)
    while len(line) > MAX_LINE:
        key = max(event, key=lambda k: len(orjson.dumps(event[k], default=str)))
        text = str(event[key])
        encoded = len(orjson.dumps(text))  # escapes (\n, \u...) make bytes outnumber chars
        cut = int((len(line) - MAX_LINE + 64) * len(text) / encoded) + 1
        if len(text) <= 64:  # nothing long is left: keep only what says what happened
            kept = {k: event[k] for k in ("timestamp", "level", "event") if k in event}
            return orjson.dumps({**kept, "truncated": True}, default=str)[:MAX_LINE]
        half = max(0, (len(text) - cut) // 2)
        event[key] = text[:half] + " ... " + text[len(text) - half :]
        event["truncated"] = True
        line = orjson.dumps(event, default=str)
    return line


def _json_renderer(_logger: Any, _name: str, event: dict[str, Any]) -> str:
    return fit(event).decode()


def _processors(settings: Settings) -> tuple[list[Any], Any]:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _safe_exc_info,
    ]
    if settings.json_logs:
        return shared, _json_renderer
    return shared, structlog.dev.ConsoleRenderer(colors=False)


def stdlib_logging_config(settings: Settings) -> dict[str, Any]:
    """dictConfig for stdlib loggers (asyncpg, granian, Velithon's Python parts), in the same
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
                "stream": "ext://observability.logs.stdout",
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
        logger_factory=structlog.WriteLoggerFactory(file=stdout),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    logging.config.dictConfig(stdlib_logging_config(settings))


def take_over_velithon_logging(settings: Settings) -> None:
    """Run in a startup hook: Velithon reconfigures its logger when each worker starts."""
    configure_velithon_logger(level="WARNING", log_format="json" if settings.json_logs else "text")
    velithon = logging.getLogger("velithon")
    velithon.handlers.clear()
    velithon.propagate = True
    velithon.setLevel(logging.WARNING)
    # Velithon's parameter parser logs two empty ERROR lines per 4xx (it is not used by our
    # routes, web/binding.py, but a canary app or a raw route would still reach it).
    logging.getLogger("velithon.params.parser").setLevel(logging.CRITICAL)
