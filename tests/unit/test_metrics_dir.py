"""observability/multiprocess.py: every process of the image inherits PROMETHEUS_MULTIPROC_DIR
(Dockerfile), but only scripts.serve creates it; the job worker imported the metrics into a
directory that did not exist and died on import (found by make compose-smoke)."""

import os
import subprocess
import sys
from pathlib import Path

from tests.server import ROOT


def test_a_missing_metrics_directory_is_created_on_import(tmp_path: Path) -> None:
    directory = tmp_path / "not" / "yet"
    env = os.environ | {"PROMETHEUS_MULTIPROC_DIR": str(directory)}
    code = "import observability.metrics as m; m.IN_PROGRESS.inc(); print('ok')"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
    assert directory.is_dir()
