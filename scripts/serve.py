"""Start the app the one way the project serves it: granian, RSGI, uvloop.

Used by `make run`, the tests, the Dockerfile and the benchmark. Host, port and worker count
come from the settings (HOST, PORT, WORKERS). The settings are validated here, before any
worker is forked, so a bad configuration stops the start with one clear message.
"""

import atexit
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

from granian import Granian
from granian.constants import Interfaces, Loops
from granian.http import HTTP1Settings

from config import get_settings
from observability.logs import stdlib_logging_config


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


def main(target: str = "main:app") -> None:
    settings = get_settings()
    reset_metrics_dir()
    raise_open_files_limit(settings.server_max_connections * settings.workers + 1024)
    Granian(
        target,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.RSGI,
        workers=settings.workers,
        # Velithon's default loop (rloop) leaks memory under asyncpg load and has 300-500 ms
        # p99 on Redis reads on small machines; uvloop does not (docs/velithon-quirks.md).
        loop=Loops.uvloop,
        backlog=settings.server_backlog,
        backpressure=settings.server_max_connections,
        http1_settings=HTTP1Settings(
            header_read_timeout=int(settings.server_header_read_timeout * 1000),
            keep_alive=settings.server_keep_alive,
        ),
        respawn_failed_workers=True,
        log_dictconfig=stdlib_logging_config(settings),
    ).serve()


if __name__ == "__main__":
    main(*sys.argv[1:2])  # optional: another "module:app" (the tests serve a probe app)
