"""A warm interpreter that forks the suite's servers.

A server start is ~1.5 s of CPU, almost all of it importing the same libraries (redis alone is
0.27 s); the suite starts ~60 servers on a 2-core machine. This process imports them once, and
each server is a fork of it that then runs `python -m scripts.serve ...` as usual: the app's own
modules, its settings, its checks and granian are all the child's own. Only libraries that
read no app setting at import are loaded here (not prometheus_client: it picks its multiprocess
mode from PROMETHEUS_MULTIPROC_DIR at import), and a server whose environment differs from this
process's in anything but app settings is started the ordinary way (tests/server.py).

Protocol (JSON lines): the harness (Forkserver, below) writes {"module", "argv", "env",
"log"}; this process answers {"pid"} and later {"exited": pid, "code": returncode}. Servers
forked here share this process's hash seed (tests/conftest.py's own_interpreter is for a test
that needs two seeds).
"""

import json
import os
import runpy
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import psutil

ROOT = Path(__file__).resolve().parent.parent

PRELOAD = (
    "aiofiles",
    "aiosmtplib",
    "argon2",
    "asyncpg",
    "email_validator",
    "granian",
    "jwt",
    "orjson",
    "pgqueuer",
    "pydantic",
    "pydantic_settings",
    "redis.asyncio",
    "structlog",
    "uvloop",
    "velithon",
)

# Must not be loaded here: the app's own modules read its settings, prometheus_client reads
# PROMETHEUS_MULTIPROC_DIR, at import.
NOT_HERE = (
    "config",
    "containers",
    "endpoints",
    "main",
    "middleware",
    "models",
    "observability",
    "prometheus_client",
    "routes",
    "scripts",
    "services",
    "web",
)


def _send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _serve_requests() -> dict[str, Any]:
    """Fork one child per request and report its exit. Returns only in a child."""
    selector = selectors.DefaultSelector()
    selector.register(sys.stdin, selectors.EVENT_READ)
    children: dict[int, int] = {}  # pidfd -> pid
    while True:
        for key, _ in selector.select():
            if key.fd == sys.stdin.fileno():
                line = sys.stdin.readline()
                if not line:
                    raise SystemExit(0)  # the harness has gone: its servers are stopped
                request = json.loads(line)
                sys.stdout.flush()
                pid = os.fork()
                if pid == 0:
                    selector.close()
                    for pidfd in children:
                        os.close(pidfd)
                    return request
                pidfd = os.pidfd_open(pid)
                children[pidfd] = pid
                selector.register(pidfd, selectors.EVENT_READ)
                _send({"pid": pid})
            else:
                pidfd = int(key.fd)
                selector.unregister(pidfd)
                os.close(pidfd)
                pid = children.pop(pidfd)
                _, status = os.waitpid(pid, 0)
                _send({"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def _become(request: dict[str, Any]) -> None:
    """What Popen(start_new_session=True, stdout=log, stderr=STDOUT) would have given."""
    os.setsid()
    log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    os.close(null)
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = [request["module"], *request["argv"]]


def main() -> None:
    for module in PRELOAD:
        __import__(module)
    loaded = sorted(name for name in NOT_HERE if name in sys.modules)
    if loaded:
        raise SystemExit(f"tests/forkserver.py: PRELOAD imports {', '.join(loaded)}")
    request = _serve_requests()
    _become(request)
    # The rest is the child's own, as `python -m module args` (exit status, traceback, atexit).
    runpy.run_module(request["module"], run_name="__main__", alter_sys=True)


# The harness side (tests/server.py uses it).


class ForkedProcess:
    """The Popen methods the tests use, for a server forked by the fork server (not our
    child: its exit status comes from the fork server)."""

    def __init__(self, pid: int, forkserver: "Forkserver") -> None:
        self.pid = pid
        self._forkserver = forkserver
        self.returncode: Optional[int] = None

    def poll(self) -> Optional[int]:
        self.returncode = self._forkserver.exit_code(self.pid, timeout=0)
        return self.returncode

    def wait(self, timeout: Optional[float] = None) -> int:
        code = self._forkserver.exit_code(self.pid, timeout)
        if code is None:
            raise subprocess.TimeoutExpired(f"server {self.pid}", timeout or 0)
        self.returncode = code
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Forkserver:
    """The harness side: starts servers as forks of the warm interpreter, tracks their exit."""

    def __init__(self, env: dict[str, str], may_differ: Callable[[str], bool]) -> None:
        self.env = env
        self._may_differ = may_differ
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.forkserver"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._lock = threading.Lock()  # one request at a time: its answer is the next "pid"
        self._changed = threading.Condition()
        self._pids: list[int] = []
        self._exits: dict[int, int] = {}
        self._gone = False  # no more answers: the fork server exited
        threading.Thread(target=self._read, daemon=True).start()

    def can_start(self, command: list[str], env: dict[str, str]) -> bool:
        """Only `python -m module ...`, with nothing but names that no preloaded library reads
        (`may_differ`: the app's settings) differing from the fork server's environment."""
        differs = {k for k in env.keys() | self.env.keys() if env.get(k) != self.env.get(k)}
        return (
            command[:2] == [sys.executable, "-m"]
            and len(command) > 2
            and all(self._may_differ(k) for k in differs)
            and self._process.poll() is None
        )

    def start(self, command: list[str], env: dict[str, str], log_path: Path) -> ForkedProcess:
        request = {"module": command[2], "argv": command[3:], "env": env, "log": str(log_path)}
        assert self._process.stdin is not None
        with self._lock:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            with self._changed:
                self._changed.wait_for(lambda: self._pids or self._gone)
                if not self._pids:
                    raise RuntimeError("the fork server exited")
                return ForkedProcess(self._pids.pop(0), self)

    def exit_code(self, pid: int, timeout: Optional[float]) -> Optional[int]:
        """The server's exit status, waiting up to `timeout` (None: for good) for it."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while pid not in self._exits:
                if self._gone and not psutil.pid_exists(pid):
                    return -1  # it exited after the fork server, which alone knew its status
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._changed.wait(0.1 if self._gone else left)
            return self._exits[pid]

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            message = json.loads(line)
            with self._changed:
                if "pid" in message:
                    self._pids.append(message["pid"])
                else:
                    self._exits[message["exited"]] = message["code"]
                self._changed.notify_all()
        with self._changed:
            self._gone = True
            self._changed.notify_all()

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(10)


if __name__ == "__main__":
    main()
