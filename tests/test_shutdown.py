"""SIGTERM under load: every request the server had started completes, new connections are
refused, and the server exits 0. (docker stop, compose and Kubernetes all send SIGTERM.)"""

import asyncio
import signal
import sys
import time
import uuid

import httpx
import pytest
import redis

from tests import http
from tests.conftest import StartServer
from tests.probe_routes import STARTED_KEY

pytestmark = pytest.mark.slow

PROBE = [sys.executable, "-m", "scripts.serve", "tests.probe_app:app"]


def test_sigterm_lets_started_requests_finish(
    start_server: StartServer, redis_client: redis.Redis, key_prefix: str
) -> None:
    srv = start_server(PROBE, WORKERS="2", fresh=True)
    answered: dict[str, int] = {}
    refused_after_signal: list[str] = []
    signalled = asyncio.Event()

    async def keep_asking(client: httpx.AsyncClient, ms: int) -> None:
        while True:
            rid = uuid.uuid4().hex
            try:
                response = await client.get(f"/probe/slow?ms={ms}", headers={"X-Request-ID": rid})
                answered[rid] = response.status_code
            except httpx.TransportError as exc:
                if not signalled.is_set():
                    raise
                refused_after_signal.append(type(exc).__name__)
                return

    async def run() -> None:
        async with http.AsyncClient(base_url=srv.url, timeout=30) as client:
            askers = [asyncio.create_task(keep_asking(client, ms)) for ms in (50, 400, 1500) * 8]
            await asyncio.sleep(1.0)
            assert srv.process is not None
            srv.process.send_signal(signal.SIGTERM)
            signalled.set()
            await asyncio.gather(*askers)

    asyncio.run(run())
    assert srv.process is not None
    assert srv.process.wait(30) == 0
    started = {m for m in redis_client.smembers(key_prefix + STARTED_KEY) if m}
    assert started, "no request reached the app"
    dropped = started - set(answered)
    assert not dropped, f"{len(dropped)} of {len(started)} started requests got no answer"
    assert set(answered.values()) == {200}
    assert len(refused_after_signal) == 24  # every client then found the door closed
    time.sleep(0.2)
    with pytest.raises(httpx.TransportError):
        http.get(srv.url + "/health/live", timeout=2)
