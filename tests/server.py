"""Run the real app as a subprocess on a free loopback port (the app is RSGI: no test client).
Used by the test suite and by the benchmark (bench/)."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional, Union

import httpx

from config import Settings
from observability.metrics import FLUSH_INTERVAL
from tests import http
from tests.forkserver import ForkedProcess, Forkserver

ROOT = Path(__file__).resolve().parent.parent
SERVE = [sys.executable, "-m", "scripts.serve"]
WORKER_STARTED = '"event":"worker_started"'  # main.py logs it as each worker starts


def read_by_the_app_alone(name: str) -> bool:
    """An app setting, or ENV_FILE (config.py reads it): no library reads these."""
    return name.lower() in Settings.model_fields or name == "ENV_FILE"


def clean_environ() -> dict[str, str]:
    """The caller's environment minus every app setting, so a developer's shell can't leak in
    (and minus the metrics directory: each server makes its own; and pytest's name of the
    running test, which would make every server's environment differ)."""
    return {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in Settings.model_fields
        and k not in ("PROMETHEUS_MULTIPROC_DIR", "PYTEST_CURRENT_TEST")
    }


def warm_forkserver() -> Forkserver:
    return Forkserver(clean_environ(), may_differ=read_by_the_app_alone)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One server process. Its stdout and stderr go to a log file the tests can read. With a
    Forkserver, a server it can start is a fork of its warm interpreter."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        command: Optional[list[str]] = None,
        name: str = "server",
        pipe: bool = False,
        forkserver: Optional[Forkserver] = None,
        port: Optional[int] = None,
    ) -> None:
        self.name = name
        self.forkserver = forkserver
        self.pipe = pipe  # stdout through a pipe (as under a process manager), copied to the log
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        # `env` is the whole environment (clean_environ() and the settings): nothing of this
        # process's own leaks in, such as the metrics directory importing the app chose here.
        self.env = {**env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        self.command = [arg.replace("{port}", str(self.port)) for arg in (command or SERVE)]
        self.process: Union[subprocess.Popen[bytes], ForkedProcess, None] = None

    def start(self, timeout: float = 30.0, ready_path: str = "/health/live") -> "Server":
        forkserver = self.forkserver
        if (
            forkserver is not None
            and not self.pipe
            and forkserver.can_start(self.command, self.env)
        ):
            self.process = forkserver.start(self.command, self.env, self.log_path)
            return self._wait_ready(timeout, ready_path)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE if self.pipe else log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() reaches every worker
        )
        if self.pipe:
            threading.Thread(
                target=self._copy, args=(self.process.stdout, log), daemon=True
            ).start()
        else:
            log.close()
        return self._wait_ready(timeout, ready_path)

    def _wait_ready(self, timeout: float, ready_path: str) -> "Server":
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"{self.name} exited with {code}:\n{self.log[-4000:]}")
            try:
                if http.get(self.url + ready_path, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.log[-4000:]}")
        if self.workers > 1:  # ready is every worker serving, not the first one to answer
            self.wait_for_log(WORKER_STARTED, max(deadline - time.monotonic(), 1), self.workers)
        return self

    @property
    def workers(self) -> int:
        """As the app's settings or the launcher's --workers say."""
        if "--workers" in self.command:
            return int(self.command[self.command.index("--workers") + 1])
        return int(self.env.get("WORKERS", "1"))

    @staticmethod
    def _copy(source: Any, log: Any) -> None:
        # A slow reader, as a log shipper under load: the pipe fills up and writers wait, which
        # is when writes longer than PIPE_BUF get split and mixed with other workers' lines.
        with log:
            while chunk := source.read1(1024):
                log.write(chunk)
                log.flush()
                time.sleep(0.0005)

    def stop(self) -> Optional[int]:
        if self.process is None:
            return None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode

    def wait_for_log(self, text: str, timeout: float = 5.0, count: int = 1) -> str:
        """The access log is flushed every 0.2 s; wait until `text` shows up (`count` times)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.log
            if log.count(text) >= count:
                return log
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not {count} times in server log:\n{self.log[-4000:]}")

    def metrics(self, **kwargs: Any) -> httpx.Response:
        """GET /metrics once every worker has flushed its request tallies (at most
        FLUSH_INTERVAL after a request ends; middleware/metrics.py)."""
        time.sleep(FLUSH_INTERVAL + 0.3)
        return http.get(self.url + "/metrics", **kwargs)

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
