"""Durable jobs: work that must happen (a confirmation e-mail), queued in PostgreSQL with
PgQueuer and done by a worker process (services/job_worker.py, `make worker`).

Chosen over the alternatives because it is asyncio-native on asyncpg (the pool we have), keeps
jobs in the same database as the data, maintained (1.6.0, 2026), and needs neither Redis nor a
broker: arq and SAQ queue in Redis (a job would not be part of the order's transaction),
Celery and Dramatiq are thread/process based and broker-bound, procrastinate wants psycopg 3.

A job is enqueued on the connection of the transaction that makes it necessary: the order and
its e-mail job commit together or not at all. A dedupe key makes a second enqueue of the same
work while the first is pending an error, never a second job.
"""

from typing import Any, Optional

import asyncpg
import orjson
from pgqueuer.adapters.drivers.asyncpg import AsyncpgDriver
from pgqueuer.queries import Queries

from services.database_service import DatabaseService

STATUSES = ("queued", "picked", "failed")
COUNTS = "SELECT status::text, count(*) FROM pgqueuer GROUP BY status"
FAILED = (
    "SELECT id, entrypoint, attempts + 1 AS tries, payload, created, updated FROM pgqueuer "
    "WHERE status = 'failed' ORDER BY id DESC LIMIT $1"
)


class JobQueue:
    def __init__(self, database: DatabaseService) -> None:
        self._db = database

    async def enqueue(
        self, conn: asyncpg.Connection, entrypoint: str, payload: dict[str, Any], dedupe_key: str
    ) -> None:
        """Queue a job in the caller's transaction (`conn`): it exists iff that commits."""
        queries = Queries(AsyncpgDriver(conn))
        await queries.enqueue(entrypoint, orjson.dumps(payload), dedupe_key=dedupe_key)

    async def counts(self) -> dict[str, int]:
        """Jobs by status: queued, picked (running), failed (given up: for an admin to look at).
        Done jobs leave the table (PgQueuer keeps a log of them)."""
        found = {status: 0 for status in STATUSES}
        for row in await self._db.fetch(COUNTS):
            found[row[0]] = row[1]
        return found

    async def failed(self, limit: int) -> list[dict[str, Any]]:
        rows = await self._db.fetch(FAILED, limit)
        return [
            {
                "id": r["id"],
                "entrypoint": r["entrypoint"],
                "tries": r["tries"],
                "payload": _payload(r["payload"]),
                "created": r["created"],
                "updated": r["updated"],
            }
            for r in rows
        ]


def _payload(raw: Optional[bytes]) -> Any:
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return None
