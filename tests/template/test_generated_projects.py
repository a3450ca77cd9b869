"""A new project, as a user makes it (docs/starting-a-project.md): copied, committed, then its
own `make install`, `make lint` and `make test` from a clean directory, with the example shop
and without it. Slow: each runs a whole second suite against servers of its own."""

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests import http
from tests.server import ROOT, free_port
from tests.template.copies import ACME, copy
from tests.template.history import (
    commit_all,
    git,
    new_repository,
    run_environment,
    run_shell,
    shell_block,
)

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("include_examples", [True, False], ids=["with-shop", "without-shop"])
def test_a_new_project_installs_lints_and_passes_its_own_suite(
    open_tmp_path: Path, include_examples: bool
) -> None:
    project = copy(open_tmp_path / "acme-billing", {**ACME, "include_examples": include_examples})
    new_repository(project)
    commit_all(project, "Acme Billing, from the template")
    for command in ("make install", "make lint", "make test"):
        started = time.monotonic()
        result = run_shell(command, project)
        took = time.monotonic() - started
        assert result.returncode == 0, (
            f"{command}:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
        )
        print(f"{command}: {took:.0f} s")  # the closing note's figures (pytest -s shows them)
    assert not list(project.rglob("*.jinja"))


def test_the_readmes_way_to_start_a_service_works_as_written(open_tmp_path: Path) -> None:
    """README's "Two ways in" block, run in a clone of this repository: the copier line gets
    the answers a user would type (copier needs a terminal for questions), the rest is as
    written; `make run` is then asked for /health and stopped with Ctrl-C's SIGINT."""
    block = shell_block(ROOT / "README.md", "## Two ways in")
    lines = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    copy_line, run_line = lines
    assert copy_line == "make install && .venv/bin/copier copy . ../my-service"
    assert run_line == "cd ../my-service && make env && make run"
    tmp_path = open_tmp_path
    clone = tmp_path / "template"
    git(tmp_path, "clone", "-q", str(ROOT), str(clone))
    answers = " --defaults --data project_name='Acme Billing' --vcs-ref=HEAD"
    made = run_shell(copy_line + answers, clone)
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    project = tmp_path / "my-service"
    assert 'PROJECT_NAME = "Acme Billing"' in (project / "config.py").read_text()

    port = free_port()
    server = subprocess.Popen(
        ["bash", "-c", run_line],
        cwd=clone,
        env={**run_environment(clone), "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        health = wait_for_health(f"http://127.0.0.1:{port}/health", server)
        assert health["status"] == "healthy", health
    finally:
        os.killpg(server.pid, signal.SIGINT)
        output = server.communicate(timeout=60)[0]
    assert server.returncode in (0, 130, -signal.SIGINT), output[-3000:]  # bash: killed by it
    assert (project / ".env").is_file()


def wait_for_health(url: str, server: subprocess.Popen[str]) -> dict[str, object]:
    deadline = time.monotonic() + 300  # a first `make run` installs and starts the servers
    while time.monotonic() < deadline:
        assert server.poll() is None, "make run ended before it served"
        try:
            response = http.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.5)
            continue
        return dict(response.json())
    raise AssertionError(f"{url} never answered")
