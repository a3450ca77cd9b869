"""At start-up: can PostgreSQL and Redis be reached with the configured URLs? A failure is one
line naming the setting, the host and the reason, never the password and never a traceback.

What no wait can fix fails at once (an unknown host, refused credentials, a database that does
not exist); what may be a server still starting (connection refused, no answer, "starting up")
is tried again until STARTUP_WAIT seconds have passed.
"""

import asyncio
import socket
import time
from typing import Optional
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg
import redis.asyncio as redis
from redis.exceptions import AuthenticationError as RedisAuthenticationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config import Settings

RETRY_EVERY = 0.5


class StartupError(Exception):
    """One line for the terminal; scripts turn it into SystemExit (exit status 1)."""


class _Final(Exception):
    """A failure that waiting cannot fix."""


def where(url: str) -> str:
    """host:port (or the socket path) of a URL, without user or password."""
    parts = urlsplit(url)
    socket_dir = parse_qs(parts.query).get("host", [""])[0]
    if parts.scheme == "unix":
        return unquote(parts.path)
    host = unquote(parts.hostname or "") or socket_dir or "localhost"
    return f"{host}:{parts.port}" if parts.port else host


async def check_database(settings: Settings) -> None:
    url = settings.database_url.get_secret_value()
    user = unquote(urlsplit(url).username or "")

    async def attempt(seconds: float) -> None:
        try:
            conn = await asyncpg.connect(url, timeout=seconds)
        except socket.gaierror as exc:
            raise _Final("its host is unknown") from exc
        except asyncpg.InvalidPasswordError as exc:
            raise _Final(f"the password of user {user!r} is refused") from exc
        except asyncpg.InvalidAuthorizationSpecificationError as exc:
            raise _Final(f"user {user!r} may not connect") from exc
        except asyncpg.InvalidCatalogNameError as exc:
            database = urlsplit(url).path.lstrip("/") or user
            raise _Final(f"there is no database {database!r}") from exc
        await conn.close()

    await _wait("DATABASE_URL", where(url), attempt, settings.startup_wait)


async def check_redis(settings: Settings) -> None:
    url = settings.redis_url.get_secret_value()

    async def attempt(seconds: float) -> None:
        client = redis.Redis.from_url(url, socket_connect_timeout=seconds, socket_timeout=seconds)
        try:
            await client.ping()
        except RedisAuthenticationError as exc:
            raise _Final("its password is refused") from exc
        except RedisConnectionError as exc:
            if isinstance(exc.__cause__, socket.gaierror) or "Name or service" in str(exc):
                raise _Final("its host is unknown") from exc
            raise
        except ResponseError as exc:
            if "NOAUTH" in str(exc) or "WRONGPASS" in str(exc):
                raise _Final("it needs a password the URL does not give") from exc
            raise
        finally:
            await client.aclose()

    await _wait("REDIS_URL", where(url), attempt, settings.startup_wait)


async def check_backends(settings: Settings) -> None:
    """Both at once; both problems are reported, one line each."""
    results = await asyncio.gather(
        check_database(settings), check_redis(settings), return_exceptions=True
    )
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, StartupError):
            raise result
    if problems := [str(result) for result in results if isinstance(result, StartupError)]:
        raise StartupError("\n".join(problems))


async def _wait(setting: str, place: str, attempt: object, wait: float) -> None:
    deadline = time.monotonic() + wait
    reason: Optional[str] = None
    while True:
        left = deadline - time.monotonic()
        try:
            await attempt(max(0.5, min(left, 5.0)))  # type: ignore[operator]
            return
        except _Final as exc:
            raise StartupError(f"{setting}: cannot use {place}: {exc}") from None
        except (
            OSError,
            TimeoutError,
            RedisConnectionError,
            RedisTimeoutError,
            asyncpg.CannotConnectNowError,
            asyncpg.PostgresConnectionError,
        ) as exc:
            reason = _reason(exc)
        if time.monotonic() + RETRY_EVERY >= deadline:
            raise StartupError(
                f"{setting}: nothing usable answers at {place} ({reason}) after {wait:g} s "
                "(STARTUP_WAIT)"
            )
        await asyncio.sleep(RETRY_EVERY)


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, TimeoutError | RedisTimeoutError):
        return "no answer"
    if isinstance(exc, ConnectionRefusedError) or "refused" in text.lower() or "Error 111" in text:
        return "connection refused"
    if isinstance(exc, asyncpg.CannotConnectNowError):
        return "the server is starting up or shutting down"
    if isinstance(exc, FileNotFoundError) or "No such file" in str(exc):
        return "no such socket"
    return type(exc).__name__
