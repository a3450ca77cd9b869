"""`make run`'s embedded servers: started when the URLs are unset, shared by the commands on one
data dir, never left running."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import psutil
import pytest
import redis

from tests.server import ROOT

pytestmark = pytest.mark.no_backing

PRINT_URLS = "import os; print(os.environ['DATABASE_URL'], os.environ['REDIS_URL'], flush=True)"
UNTIL_A_LINE = PRINT_URLS + "; import sys; sys.stdin.readline()"


def devservers(data_dir: Path, *command: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return subprocess.Popen(
        [sys.executable, "-m", "scripts.devservers", "--data-dir", str(data_dir), "--", *command],
        cwd=ROOT,
        env={**env, "ENV_FILE": ""},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


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


def assert_both_answer(database_url: str, redis_url: str) -> None:
    async def select_1() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            assert await conn.fetchval("SELECT 1") == 1
        finally:
            await conn.close()

    asyncio.run(select_1())
    with redis.Redis.from_url(redis_url) as client:
        assert client.ping()


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


def sigkill(proc: subprocess.Popen[str]) -> None:
    """Kill devservers with no chance to clean up, and its command; its servers remain."""
    command = [p for p in psutil.Process(proc.pid).children() if p.name() != "valkey-server"]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    for child in command:
        child.kill()


def test_a_killed_run_is_cleaned_up_by_the_next(tmp_path: Path) -> None:
    proc = devservers(tmp_path, sys.executable, "-c", PRINT_URLS + "; import time; time.sleep(60)")
    assert proc.stdout is not None
    proc.stdout.readline()
    sigkill(proc)
    # PostgreSQL remains (pgserver's own bookkeeping); Valkey's watchdog may have stopped it
    # already (test_valkey_stops_when_its_only_user_dies_without_cleaning_up).
    assert "postgres" in {p.name() for p in servers_of(tmp_path)}
    again = devservers(tmp_path, sys.executable, "-c", PRINT_URLS)
    again.communicate(timeout=120)
    assert again.returncode == 0
    wait_until_gone(tmp_path)


def test_a_second_command_shares_the_running_servers(tmp_path: Path) -> None:
    first = devservers(tmp_path, sys.executable, "-c", UNTIL_A_LINE)
    assert first.stdout is not None
    urls = first.stdout.readline().split()
    servers = servers_of(tmp_path)
    ping = "; import redis; assert redis.Redis.from_url(os.environ['REDIS_URL']).ping()"
    second = devservers(tmp_path, sys.executable, "-c", PRINT_URLS + ping)
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0 and out.split() == urls
    assert servers_of(tmp_path) == servers  # the same processes, still up for the first
    assert_both_answer(*urls)
    first.communicate("\n", timeout=60)
    assert first.returncode == 0
    wait_until_gone(tmp_path)


def test_ctrl_c_of_one_user_leaves_the_servers_to_the_other(tmp_path: Path) -> None:
    first = devservers(tmp_path, sys.executable, "-c", UNTIL_A_LINE)
    assert first.stdout is not None
    urls = first.stdout.readline().split()
    servers = servers_of(tmp_path)
    second = devservers(tmp_path, sys.executable, "-c", UNTIL_A_LINE)
    assert second.stdout is not None
    assert second.stdout.readline().split() == urls
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=30)  # to EOF: the servers it started must not hold its stdout
    assert servers_of(tmp_path) == servers  # the first's, now the second's
    assert_both_answer(*urls)
    second.communicate("\n", timeout=60)
    assert second.returncode == 0
    wait_until_gone(tmp_path)


def test_a_killed_user_does_not_keep_the_servers_up(tmp_path: Path) -> None:
    first = devservers(tmp_path, sys.executable, "-c", UNTIL_A_LINE)
    assert first.stdout is not None
    first.stdout.readline()
    second = devservers(tmp_path, sys.executable, "-c", UNTIL_A_LINE)
    assert second.stdout is not None
    second.stdout.readline()
    sigkill(second)
    first.communicate("\n", timeout=60)
    assert first.returncode == 0
    wait_until_gone(tmp_path)


def test_valkey_stops_when_its_only_user_dies_without_cleaning_up(tmp_path: Path) -> None:
    """`make run` SIGKILLed with its process group (a script's timeout after a stop that hung),
    and no later start on that data dir (a deleted clone): Valkey, in a session of its own,
    ran on. Now it stops within seconds of its last user."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    command = [sys.executable, "-c", UNTIL_A_LINE]
    run = subprocess.Popen(
        [sys.executable, "-m", "scripts.devservers", "--data-dir", str(tmp_path), "--", *command],
        cwd=ROOT,
        env={**env, "ENV_FILE": "", "DATABASE_URL": "postgresql://unused@/x"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert run.stdout is not None
    run.stdout.readline()
    assert [p for p in servers_of(tmp_path) if "valkey" in " ".join(p.cmdline())]
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    wait_until_gone(tmp_path, timeout=10)
