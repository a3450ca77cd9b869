"""`python -m scripts.worker` as a subprocess for the tests, like tests/server.py's servers:
its own process group, its output in a log file the test reads."""

import subprocess
import sys
import time
from pathlib import Path

from tests.server import ROOT, Server

WORKER = [sys.executable, "-m", "scripts.worker"]


class Worker(Server):
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        super().__init__(env, log_path, WORKER, name="worker")

    def start(self, timeout: float = 30.0, ready_path: str = "") -> "Worker":
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "job_worker_started" in self.log:
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"worker not ready:\n{self.log[-4000:]}")

    def kill(self) -> None:
        """SIGKILL: no chance to finish or to give its jobs back."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()
