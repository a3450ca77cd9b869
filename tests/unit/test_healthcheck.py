"""scripts/healthcheck.py's worker mode: live while the worker's beat is recent."""

import os
import time
from pathlib import Path

import pytest

from scripts import healthcheck


def test_the_worker_is_live_only_while_it_beats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alive = tmp_path / "worker.alive"
    monkeypatch.setattr(healthcheck, "ALIVE_FILE", alive)
    assert not healthcheck.worker_is_live()  # never started
    alive.touch()
    assert healthcheck.worker_is_live()
    stale = time.time() - healthcheck.STALE - 1
    os.utime(alive, (stale, stale))
    assert not healthcheck.worker_is_live()
    assert healthcheck.main(["healthcheck", "worker"]) == 1
