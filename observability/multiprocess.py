"""Where prometheus-client's per-worker files go, so /metrics adds up every worker of a server.

prometheus-client picks its multiprocess mode when it is imported, from
PROMETHEUS_MULTIPROC_DIR, so this runs first (observability/metrics.py imports it before
prometheus_client). scripts/serve.py sets the variable itself (a fresh directory per run);
under another launcher (`granian main:app`, `velithon run`) the workers of one server agree on
a directory named after their parent, the server's master process. One left by an earlier
server whose pid the master now reuses is emptied first.
"""

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from config import PROJECT_SLUG

PREFIX = f"{PROJECT_SLUG}-metrics-"


def _started_at(pid: int) -> float:
    try:
        return os.stat(f"/proc/{pid}").st_ctime  # Linux: when the process started
    except OSError:
        return time.time()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forget_dead_servers(root: Path) -> None:
    """Directories of masters that are gone would pile up in the temp dir."""
    for directory in root.glob(f"{PREFIX}*"):
        pid = directory.name.removeprefix(PREFIX)
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(directory, ignore_errors=True)


def share_between_workers() -> None:
    if given := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # The image sets it for every process; scripts.serve empties it, the job worker and the
        # scripts only need it to exist (prometheus-client fails on import without it).
        with contextlib.suppress(OSError):
            Path(given).mkdir(parents=True, exist_ok=True)
        return
    master = os.getppid()
    root = Path(tempfile.gettempdir())
    directory = root / f"{PREFIX}{master}"
    try:
        forget_dead_servers(root)
        if directory.exists() and directory.stat().st_mtime < _started_at(master) - 1:
            shutil.rmtree(directory, ignore_errors=True)  # an earlier master's, same pid
        directory.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return  # no shared directory: each worker reports its own counts
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


share_between_workers()
