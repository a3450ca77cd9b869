"""Start the app the one way the project serves it: granian, RSGI, uvloop.

Used by `make run`, the tests, the Dockerfile and the benchmark. Host, port, workers and the
connection limits come from the settings (HOST, PORT, WORKERS, SERVER_*). Before any worker is
forked it checks what would otherwise fail in every worker, and stops with one line naming the
setting: the configuration, the port, PostgreSQL and Redis (services/connectivity.py).
"""

import asyncio
import atexit
import errno
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
from pathlib import Path

from granian import Granian
from granian import _signals as granian_signals
from granian._granian import WorkerSignal
from granian.constants import Interfaces, Loops
from granian.http import HTTP1Settings

from config import Settings, get_settings
from observability.logs import stdlib_logging_config
from services.connectivity import StartupError, check_backends
from services.storage import check_uploads


def reset_metrics_dir() -> None:
    """prometheus-client's multiprocess mode keeps one file per worker in this directory, and
    must know it before the workers import it. Files of an earlier run would be counted
    again, so it starts empty; without PROMETHEUS_MULTIPROC_DIR, a private one is made for
    this run (two servers must never share one) and removed at exit."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        directory = tempfile.mkdtemp(prefix="prometheus-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
    shutil.rmtree(directory, ignore_errors=True)
    Path(directory).mkdir(parents=True)


def raise_open_files_limit(wanted: int) -> None:
    """Each connection is a file descriptor: the soft limit (often 1024) would cap a worker
    long before SERVER_MAX_CONNECTIONS. Raised as far as the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def check_port(settings: Settings) -> None:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As granian binds: connections of the last run that sit in TIME_WAIT do not make the
        # port "in use" (without it, a restart after Ctrl-C was refused for up to a minute).
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.host, settings.port))
        except OSError as exc:
            reason = (
                "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
            )
            raise StartupError(
                f"PORT: {settings.host}:{settings.port} {reason}; set PORT (or HOST) to another"
            ) from None


def stop_workers_on_the_first_signal_only() -> None:
    """granian 2.8's worker calls WorkerSignal.set() on every SIGINT/SIGTERM; a second call
    while the worker is stopping blocks holding the GIL, while granian's own thread that would
    let it return waits for the GIL: the worker is wedged until killed (seen in gdb; 2 runs in
    7 of Ctrl-C twice). Workers are forked from this process and look set_loop_signals up when
    they start, so this replacement reaches each of them: the first signal stops the worker,
    later ones are ignored. Canary: tests/test_velithon_canaries.py
    ::test_granian_workers_set_their_stop_signal_on_every_signal."""

    def set_loop_signals(loop: asyncio.AbstractEventLoop) -> WorkerSignal:
        stop = WorkerSignal()
        stopping: list[int] = []

        def handler(signum: int, _frame: object) -> None:
            if not stopping:
                stopping.append(signum)
                stop.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, handler, signum, None)
        return stop

    granian_signals.set_loop_signals = set_loop_signals


def main(target: str = "main:app") -> None:
    settings = get_settings()
    problems = []  # every problem of this start at once, one line each
    for check in (check_port, check_uploads, lambda s: asyncio.run(check_backends(s))):
        try:
            check(settings)
        except StartupError as exc:
            problems.append(str(exc))
    if problems:
        raise SystemExit("\n".join(problems))
    reset_metrics_dir()
    stop_workers_on_the_first_signal_only()
    raise_open_files_limit(settings.server_max_connections * settings.workers + 1024)
    Granian(
        target,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.RSGI,
        workers=settings.workers,
        # Velithon's default loop (rloop) cannot open unix sockets, cannot negotiate asyncpg's
        # TLS, and leaks memory under load; uvloop does none of that (docs/velithon-quirks.md).
        loop=Loops.uvloop,
        backlog=settings.server_backlog,
        backpressure=settings.server_max_connections,
        http1_settings=HTTP1Settings(
            header_read_timeout=int(settings.server_header_read_timeout * 1000),
            keep_alive=settings.server_keep_alive,
        ),
        # A worker that does not stop in time is killed after this long, so a shutdown never
        # hangs (two signals in a row wedged workers: stop_workers_on_the_first_signal_only).
        workers_kill_timeout=int(settings.server_shutdown_timeout),
        respawn_failed_workers=True,
        log_dictconfig=stdlib_logging_config(settings),
    ).serve()


if __name__ == "__main__":
    main(*sys.argv[1:2])  # optional: another "module:app" (the tests serve a probe app)
