"""Make targets that are about the working tree itself (run in a scratch directory)."""

import subprocess
from pathlib import Path

import pytest

from tests.server import ROOT, clean_environ

pytestmark = pytest.mark.no_backing

LEFT_BY_COMMANDS = (
    ".venv",
    ".tools",
    ".dev/mail",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".schemathesis",
    "test-artifacts",
    "uploads",
)


def test_make_clean_removes_what_the_commands_leave(tmp_path: Path) -> None:
    for name in LEFT_BY_COMMANDS:
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "x").write_text("x")
    (tmp_path / "main.py").write_text("# yours")
    subprocess.run(
        ["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "clean"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env=clean_environ(),
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.py"]
