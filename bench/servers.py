"""Server processes, the throwaway database and the Redis key prefix of one benchmark run."""

import asyncio
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import redis

from config import Settings
from scripts.migrate import migrate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REDIS_DB = 15  # as the test suite: a TCP URL without a db number gets db 15


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_environ() -> dict[str, str]:
    """The caller's environment minus every app setting, so a developer's shell can't leak in."""
    return {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}


class Server:
    """One server process in its own process group; stdout and stderr go to `log_path`."""

    def __init__(self, name: str, command: Sequence[str], env: dict[str, str], log_path: Path):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [arg.replace("{port}", str(self.port)) for arg in command]
        self.env = {**env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        self.log_path = log_path
        self.process: Optional[subprocess.Popen[bytes]] = None

    def start(self, timeout: float = 30.0) -> "Server":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # stop() signals the whole group: master and workers
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited ({self.process.returncode}):\n{self.tail()}"
                )
            try:
                if httpx.get(self.url + "/health/live", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


def _sql(url: str, query: str) -> None:
    async def go() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(query)
        finally:
            await conn.close()

    asyncio.run(go())


class Backing:
    """A fresh, migrated database on the PostgreSQL server of `admin_url`, and a key prefix of
    our own in Redis; `close()` drops the database and deletes only keys under the prefix."""

    def __init__(self, admin_url: str, redis_url: str) -> None:
        self.admin_url = admin_url
        self.name = f"bench_{uuid.uuid4().hex[:12]}"
        self.database_url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{self.name}"))
        parts = urlsplit(redis_url)
        if parts.scheme != "unix" and parts.path in ("", "/"):
            redis_url = urlunsplit(parts._replace(path=f"/{DEFAULT_REDIS_DB}"))
        self.redis_url = redis_url
        self.key_prefix = f"bench-{uuid.uuid4().hex[:12]}:"
        self.redis = redis.Redis.from_url(redis_url, decode_responses=True)
        self._created = False

    def open(self) -> "Backing":
        _sql(self.admin_url, f'CREATE DATABASE "{self.name}"')
        self._created = True
        migrate(self.database_url)
        return self

    def close(self) -> None:
        try:
            keys = list(self.redis.scan_iter(match=f"{self.key_prefix}*", count=1000))
            for start in range(0, len(keys), 1000):
                self.redis.delete(*keys[start : start + 1000])
        finally:
            self.redis.close()
            if self._created:
                _sql(self.admin_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
