"""The access log: one line per request, built with orjson and buffered per process. The
buffer is written at most every FLUSH_INTERVAL s (or every MAX_BUFFERED lines), so a request
costs a dict and a list append, not a syscall. Only the fields below are logged: never
headers, cookies, query strings or bodies."""

import asyncio
from datetime import UTC, datetime
from typing import Optional

import orjson

from observability.logs import LineWriter, stdout
from web.context import RequestInfo

FLUSH_INTERVAL = 0.2
MAX_BUFFERED = 512


class AccessLog:
    def __init__(self, writer: Optional[LineWriter] = None) -> None:
        self.enabled = True
        self.json_lines = True
        self._writer = writer or stdout
        self._lines: list[bytes] = []
        self._flush_scheduled = False

    def record(self, info: RequestInfo, method: str, path: str, status: int, ms: float) -> None:
        now = datetime.now(UTC)
        if self.json_lines:
            line = orjson.dumps(
                {
                    "timestamp": now.isoformat(),
                    "level": "info",
                    "event": "request",
                    "request_id": info.request_id,
                    "method": method,
                    "route": info.template,
                    "path": path[:1024],
                    "status": status,
                    "duration_ms": round(ms, 2),
                    "client_ip": info.client_ip,
                    "user_id": info.user_id,
                },
                option=orjson.OPT_APPEND_NEWLINE,
            )
        else:
            line = (
                f"{now:%H:%M:%S} {method} {path[:1024]} -> {status} {ms:.1f}ms"
                f" route={info.template} client={info.client_ip} user={info.user_id}"
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
        self._writer.write(data)


access_log = AccessLog()
