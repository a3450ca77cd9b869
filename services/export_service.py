"""CSV exports of whole tables, streamed: rows come from a server-side cursor in chunks of
CHUNK_ROWS, each chunk is written and sent before the next is read, so memory stays flat
however many rows there are.

- RFC 4180: the csv module quotes cells holding commas, quotes or line breaks; lines end CRLF.
- Spreadsheet formula injection: a cell that starts with = + - @ (or tab, CR) is prefixed with
  ' (OWASP's advice), so a name like "=HYPERLINK(...)" is shown, never run.
- The cursor lives in a transaction on one pool connection for the whole export. It ends when
  the rows do, or when the generator is closed (the client went away: web/streaming.py), which
  rolls the transaction back and returns the connection. A client that stops reading for
  IDLE_LIMIT leaves PostgreSQL to end the session (idle_in_transaction_session_timeout).
"""

import csv
import io
from collections.abc import AsyncIterator, Iterable
from typing import Any, Literal

from services.database_service import DatabaseService

CHUNK_ROWS = 1000
IDLE_LIMIT = "60s"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Table = Literal["users", "orders"]
# Column titles and the query, per export; never a client's text in the SQL.
EXPORTS: dict[str, tuple[tuple[str, ...], str]] = {
    "users": (
        ("id", "email", "name", "role", "age", "is_active", "created_at"),
        "SELECT id, email, name, role, age, is_active, created_at FROM users ORDER BY id",
    ),
    "orders": (
        ("id", "user_id", "email", "total", "lines", "units", "created_at", "confirmed_at"),
        "SELECT o.id, o.user_id, u.email, o.total::text, count(l.*), sum(l.quantity), "
        "o.created_at, o.confirmation_sent_at FROM orders o JOIN users u ON u.id = o.user_id "
        "JOIN order_lines l ON l.order_id = o.id GROUP BY o.id, u.email ORDER BY o.id",
    ),
}


def cell(value: Any) -> Any:
    """One CSV cell, neutralised if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([cell(value) for value in row] for row in rows)
    return buffer.getvalue()


class ExportService:
    def __init__(self, database: DatabaseService) -> None:
        self._db = database

    async def csv(self, table: Table) -> AsyncIterator[bytes]:
        """The table as CSV, header first, in chunks of CHUNK_ROWS rows."""
        header, query = EXPORTS[table]
        async with self._db.transaction() as conn:
            await conn.execute(f"SET LOCAL idle_in_transaction_session_timeout = '{IDLE_LIMIT}'")
            yield csv_text([header]).encode()
            chunk: list[Any] = []
            async for record in conn.cursor(query, prefetch=CHUNK_ROWS):
                chunk.append(record)
                if len(chunk) == CHUNK_ROWS:
                    yield csv_text(chunk).encode()
                    chunk = []
            if chunk:
                yield csv_text(chunk).encode()
