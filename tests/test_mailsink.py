"""The compose stack's mail sink (docker/mailsink) stops at once on `docker stop`. In a
container it is PID 1, which gets no default signal actions: a signal it has no handler for is
ignored, and docker kills it after the grace period. Run here as PID 1 of a PID namespace of
its own (unshare), which the kernel treats the same way, with the Dockerfile's own command."""

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.server import ROOT, free_port
from tests.smtp import SmtpServer

pytestmark = pytest.mark.no_backing
DOCKERFILE = ROOT / "docker" / "mailsink" / "Dockerfile"


def instruction(name: str, default: str) -> str:
    lines = [line for line in DOCKERFILE.read_text().splitlines() if line.startswith(name + " ")]
    return lines[-1].removeprefix(name + " ").strip() if lines else default


def as_pid_one(argv: list[str]) -> subprocess.Popen[bytes]:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("needs unshare (util-linux) to run the sink as PID 1")
    command = [unshare, "--user", "--map-root-user", "--pid", "--fork", "--kill-child", *argv]
    probe = subprocess.run([unshare, "--user", "--map-root-user", "--pid", "--fork", "true"])
    if probe.returncode != 0:
        pytest.skip("this machine allows no user and PID namespaces (unshare failed)")
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_the_mail_sink_stops_at_once_on_its_stop_signal(tmp_path: Path) -> None:
    port = free_port()
    argv = json.loads(instruction("CMD", "[]"))
    assert argv[:3] == ["python", "-u", "-m"], argv
    argv = [sys.executable, *argv[1:]]
    argv[argv.index("0.0.0.0:1025")] = f"127.0.0.1:{port}"
    sink = as_pid_one(argv)
    try:
        deadline = time.monotonic() + 15
        while not SmtpServer.answers(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert SmtpServer.answers(port), "the sink never listened"
        (init,) = psutil.Process(sink.pid).children()  # PID 1 inside its namespace
        stop = signal.Signals[instruction("STOPSIGNAL", "SIGTERM")]
        started = time.monotonic()
        init.send_signal(stop)
        sink.wait(5)
        assert time.monotonic() - started < 2
    finally:
        if sink.poll() is None:
            sink.kill()
            sink.wait()
