"""The suite's servers are forks of a warm interpreter (tests/forkserver.py): a forked start
must end as an ordinary one does, with the same status and the same words."""

import subprocess
from pathlib import Path

import pytest

from tests.forkserver import Forkserver
from tests.server import ROOT, SERVE, clean_environ

pytestmark = pytest.mark.no_backing


def test_a_start_that_fails_ends_as_it_would_in_an_interpreter_of_its_own(
    forkserver: Forkserver, tmp_path: Path
) -> None:
    env = {**clean_environ(), "ENV_FILE": "", "WORKERS": "0"}
    ordinary = subprocess.run(SERVE, cwd=ROOT, env=env, capture_output=True, text=True)
    log = tmp_path / "forked.log"
    assert forkserver.can_start(SERVE, env)
    forked = forkserver.start(SERVE, env, log)
    assert forked.wait(30) == ordinary.returncode == 1
    assert log.read_text() == ordinary.stdout + ordinary.stderr
    assert "WORKERS" in log.read_text()


def test_what_a_preloaded_library_could_read_is_started_the_ordinary_way(
    forkserver: Forkserver,
) -> None:
    env = clean_environ()
    assert forkserver.can_start(SERVE, {**env, "LOG_LEVEL": "DEBUG", "ENV_FILE": ""})
    assert not forkserver.can_start(SERVE, {**env, "PYTHONHASHSEED": "1"})
    assert not forkserver.can_start(SERVE, {**env, "PGQUEUER_PREFIX": "x_"})
    assert not forkserver.can_start(["granian", "main:app"], env)
