"""Idle and slow connections cannot take the service down: thousands of connections that send
nothing and clients that send headers a byte at a time still leave other clients served
quickly, and the slow ones are cut off after SERVER_HEADER_READ_TIMEOUT."""

import socket
import time

import pytest

from tests import http
from tests.conftest import StartServer

pytestmark = pytest.mark.slow

IDLE = 3000
SLOW = 50


def test_3000_idle_and_50_slow_connections_leave_health_answering(
    start_server: StartServer,
) -> None:
    srv = start_server(SERVER_HEADER_READ_TIMEOUT="3")
    idle, slow = [], []
    try:
        for _ in range(IDLE):
            sock = socket.socket()
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", srv.port))
            idle.append(sock)
        for _ in range(SLOW):
            sock = socket.create_connection(("127.0.0.1", srv.port))
            sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
            slow.append(sock)
        deadline = time.monotonic() + 6
        latencies = []
        with http.Client(base_url=srv.url, timeout=5) as client:
            while time.monotonic() < deadline:
                for sock in slow:  # a byte now and then, never the end of the headers
                    try:
                        sock.send(b"X")
                    except OSError:
                        pass
                started = time.perf_counter()
                assert client.get("/health/live").status_code == 200
                latencies.append(time.perf_counter() - started)
                fresh = http.get(srv.url + "/health/live", timeout=5)  # a new connection too
                assert fresh.status_code == 200
                time.sleep(0.2)
        assert max(latencies) < 0.1, max(latencies)
        closed = 0
        for sock in slow:
            sock.settimeout(0.5)
            try:
                closed += sock.recv(16) == b""
            except OSError:
                closed += 1
        assert closed == SLOW  # cut off after the 3 s header timeout
    finally:
        for sock in idle + slow:
            sock.close()
