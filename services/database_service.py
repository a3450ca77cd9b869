"""The PostgreSQL pool: opened once per worker in a startup hook, closed at shutdown.

Every query goes through connection() (or transaction()), which is where the database's
failures become domain errors, so no service has to know asyncpg's exceptions:
- the server is down, refuses, is starting or stopping, or does not answer within
  DB_ACQUIRE_TIMEOUT / DB_COMMAND_TIMEOUT: DependencyUnavailableError (503 + Retry-After);
- it refuses a value the models let through (NOT NULL, CHECK, too long, out of range, not
  representable: REFUSED_VALUES): RejectedValueError (422 naming the column), logged once per
  interval so the model can get the rule; an unexpected unique or foreign-key violation:
  ConflictError (409). Other errors (division by zero, a bad query) stay bugs: 500.
The server's error text is never passed on: its DETAIL quotes the row ("Failing row contains").
"""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Optional

import asyncpg
import structlog

from config import Settings
from services.errors import ConflictError, DependencyUnavailableError, RejectedValueError

log = structlog.get_logger(__name__)

UNAVAILABLE = (
    OSError,  # refused, reset, unreachable, unknown host
    TimeoutError,  # no connection or no answer in time
    asyncpg.InterfaceError,  # connection closed underneath us, pool closing
    asyncpg.PostgresConnectionError,  # 08xxx
    asyncpg.OperatorInterventionError,  # 57xxx: shutting down, starting up, query cancelled
    asyncpg.InsufficientResourcesError,  # 53xxx: too many connections, disk full
    asyncpg.InvalidAuthorizationSpecificationError,  # 28xxx: the password changed under us
)
REFUSED_VALUES = (
    asyncpg.NotNullViolationError,  # 23502
    asyncpg.CheckViolationError,  # 23514
    asyncpg.StringDataRightTruncationError,  # 22001
    asyncpg.NumericValueOutOfRangeError,  # 22003
    asyncpg.InvalidDatetimeFormatError,  # 22007
    asyncpg.DatetimeFieldOverflowError,  # 22008
    asyncpg.InvalidTextRepresentationError,  # 22P02
    asyncpg.CharacterNotInRepertoireError,  # 22021
    asyncpg.UntranslatableCharacterError,  # 22P05
    asyncpg.UniqueViolationError,  # 23505
    asyncpg.ForeignKeyViolationError,  # 23503
)
WARN_EVERY_SECONDS = 60.0


def contains(text: Optional[str]) -> Optional[str]:
    """An ILIKE pattern for "holds `text`", its own % and _ matched literally."""
    if text is None:
        return None
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class DatabaseService:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool: Optional[asyncpg.Pool] = None
        self._warned: dict[tuple[str, str], float] = {}

    async def connect(self) -> None:
        s = self._settings
        self._pool = await asyncpg.create_pool(
            s.database_url.get_secret_value(),
            min_size=s.db_pool_size,
            max_size=s.db_pool_size + s.db_max_overflow,
            command_timeout=s.db_command_timeout,  # the client's bound, even on a frozen server
            timeout=s.db_acquire_timeout,  # connecting, per connection
            server_settings={
                "statement_timeout": str(int(s.db_command_timeout * 1000)),
                "idle_in_transaction_session_timeout": str(int(s.db_command_timeout * 2000)),
                "application_name": s.app_name[:63],
            },
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database pool is not open (startup hook has not run)")
        return self._pool

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        try:
            async with self.pool.acquire(timeout=self._settings.db_acquire_timeout) as conn:
                yield conn
        except UNAVAILABLE as exc:
            raise DependencyUnavailableError("The database is unavailable.") from exc
        except REFUSED_VALUES as exc:
            raise self._rejected(exc) from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.connection() as conn, conn.transaction():
            yield conn

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self.connection() as conn:
            return await conn.fetchval(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> Optional[asyncpg.Record]:
        async with self.connection() as conn:
            return await conn.fetchrow(query, *args)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async with self.connection() as conn:
            return await conn.fetch(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        async with self.connection() as conn:
            return await conn.execute(query, *args)

    def _rejected(self, exc: asyncpg.PostgresError) -> Exception:
        """A constraint or data error nobody handled: the client's input, as far as we know."""
        sqlstate = exc.sqlstate or ""
        column = getattr(exc, "column_name", None) or ""
        constraint = getattr(exc, "constraint_name", None) or ""
        now = time.monotonic()
        key = (sqlstate, column or constraint)
        if now - self._warned.get(key, -WARN_EVERY_SECONDS) >= WARN_EVERY_SECONDS:
            self._warned[key] = now
            log.warning(
                "database_refused_input",
                sqlstate=sqlstate,
                column=column or None,
                constraint=constraint or None,
                hint="a model let through a value the schema refuses: add the rule to the model",
            )
        if isinstance(exc, asyncpg.UniqueViolationError | asyncpg.ForeignKeyViolationError):
            return ConflictError("This conflicts with the current state of the data.")
        return RejectedValueError(column or constraint or "body")
