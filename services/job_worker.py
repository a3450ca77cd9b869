"""The job worker: PgQueuer's QueueManager on our asyncpg pool, running the handlers the
container gives it (containers.py: `job_worker`). Run by `make worker` (scripts/worker.py), or
inside each app worker with JOBS_IN_APP=true (main.py).

- A handler that raises is retried with backoff (JOB_RETRY_DELAY, doubling up to
  JOB_RETRY_MAX_DELAY) until JOB_MAX_ATTEMPTS; then the job is held with status "failed"
  (GET /admin/jobs, jobs{status="failed"} in /metrics) instead of being deleted.
- A job whose worker dies (no heartbeat for JOB_HEARTBEAT_TIMEOUT) is taken over by another.
So a handler runs at least once and may run again after a crash: handlers must be idempotent
(the example shop's order confirmation marks its order sent in the same transaction).
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

import orjson
import structlog
from pgqueuer.adapters.drivers.asyncpg import AsyncpgPoolDriver
from pgqueuer.core.executors import DatabaseRetryEntrypointExecutor, EntrypointExecutorParameters
from pgqueuer.core.qm import QueueManager
from pgqueuer.domain.models import Job
from pgqueuer.queries import Queries

from config import Settings
from services.database_service import DatabaseService
from services.errors import DomainError

log = structlog.get_logger(__name__)
Handler = Callable[..., Awaitable[None]]  # called with the job's JSON payload as keywords
# New jobs wake the worker at once (LISTEN/NOTIFY); this bounds how late a retry that became
# due, or a job of a dead worker, is noticed. One indexed query a second per worker.
POLL = timedelta(seconds=1)


class JobWorker:
    def __init__(
        self, settings: Settings, database: DatabaseService, handlers: Mapping[str, Handler]
    ) -> None:
        self._settings = settings
        self._db = database
        self._handlers = handlers

    def _retrying(
        self, parameters: EntrypointExecutorParameters
    ) -> DatabaseRetryEntrypointExecutor:
        s = self._settings
        return DatabaseRetryEntrypointExecutor(
            parameters,
            max_attempts=s.job_max_attempts - 1,  # PgQueuer counts the retries, not the tries
            initial_delay=timedelta(seconds=s.job_retry_delay),
            max_delay=timedelta(seconds=s.job_retry_max_delay),
        )

    def _queue_manager(self) -> QueueManager:
        manager = QueueManager(Queries(AsyncpgPoolDriver(self._db.pool)))
        for name, handler in self._handlers.items():
            manager.entrypoint(name, on_failure="hold", executor_factory=self._retrying)(
                _from_payload(name, handler)
            )
        return manager

    async def run(self, stop: asyncio.Event) -> None:
        """Take and run jobs until `stop` is set; the jobs in hand finish first."""
        manager = self._queue_manager()
        heartbeat = timedelta(seconds=self._settings.job_heartbeat_timeout)
        watcher = asyncio.create_task(_set_when(stop, manager.shutdown))
        log.info("job_worker_started", entrypoints=sorted(self._handlers))
        try:
            await manager.run(dequeue_timeout=POLL, heartbeat_timeout=heartbeat)
        finally:
            watcher.cancel()
            log.info("job_worker_stopped")


def _from_payload(name: str, handler: Handler) -> Callable[[Job], Awaitable[None]]:
    async def run(job: Job) -> None:
        payload: dict[str, Any] = orjson.loads(job.payload) if job.payload else {}
        log.info("job_started", entrypoint=name, job_id=job.id, attempt=job.attempts + 1)
        try:
            await handler(**payload)
        except Exception as exc:
            log.warning(
                "job_failed",
                entrypoint=name,
                job_id=job.id,
                attempt=job.attempts + 1,
                error=type(exc).__name__,
                # A domain error's message is safe to show (no secrets, addresses redacted).
                reason=str(exc) if isinstance(exc, DomainError) else None,
            )
            raise
        log.info("job_done", entrypoint=name, job_id=job.id)

    return run


async def _set_when(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()
