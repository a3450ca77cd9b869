"""`make run`'s embedded servers: started when the URLs are unset, never left running."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.server import ROOT

pytestmark = pytest.mark.no_backing

PRINT_URLS = "import os; print(os.environ['DATABASE_URL'], os.environ['REDIS_URL'], flush=True)"


def devservers(data_dir: Path, *command: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return subprocess.Popen(
        [sys.executable, "-m", "scripts.devservers", "--data-dir", str(data_dir), "--", *command],
        cwd=ROOT, env={**env, "ENV_FILE": ""}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


def servers_of(data_dir: Path) -> list[psutil.Process]:
    """Embedded PostgreSQL or Valkey processes serving from data_dir."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline and ("postgres" in cmdline or "valkey" in cmdline):
            found.append(proc)
    return found


def wait_until_gone(data_dir: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while servers_of(data_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert servers_of(data_dir) == []


def test_starts_both_servers_and_stops_them_after_the_command(tmp_path: Path) -> None:
    proc = devservers(tmp_path, sys.executable, "-c", PRINT_URLS)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    database_url, redis_url = out.split()
    assert database_url.startswith("postgresql://") and str(tmp_path) in database_url
    assert redis_url.startswith("unix://") and str(tmp_path) in redis_url
    wait_until_gone(tmp_path)


def test_ctrl_c_stops_the_servers(tmp_path: Path) -> None:
    proc = devservers(tmp_path, sys.executable, "-c", PRINT_URLS + "; import time; time.sleep(60)")
    assert proc.stdout is not None
    proc.stdout.readline()  # the servers are up and the command runs
    assert servers_of(tmp_path)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    wait_until_gone(tmp_path)


def test_a_killed_run_is_cleaned_up_by_the_next(tmp_path: Path) -> None:
    proc = devservers(tmp_path, sys.executable, "-c", PRINT_URLS + "; import time; time.sleep(60)")
    assert proc.stdout is not None
    proc.stdout.readline()
    command = psutil.Process(proc.pid).children()
    os.kill(proc.pid, signal.SIGKILL)  # no chance to clean up: servers and the command remain
    proc.wait()
    for child in command:
        child.kill()
    assert servers_of(tmp_path)
    again = devservers(tmp_path, sys.executable, "-c", PRINT_URLS)
    again.communicate(timeout=120)
    assert again.returncode == 0
    wait_until_gone(tmp_path)
