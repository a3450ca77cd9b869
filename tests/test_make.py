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


def test_make_test_all_names_a_missing_chromium_before_it_starts(tmp_path: Path) -> None:
    """Not after the five minutes of the suite. (PYTEST_ARGS selects no test: without the
    check, this would pass at once instead of running the suite inside the suite.)"""
    result = subprocess.run(
        ["make", "--no-print-directory", "test-all", "PYTEST_ARGS=-k no_test_is_named_so"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean_environ(), "CHROMIUM": str(tmp_path / "no-chromium")},
    )
    assert result.returncode != 0
    ours, *makes = result.stderr.splitlines()
    assert ours == (
        f"make test-all: no Chromium at {tmp_path / 'no-chromium'} (tests/test_browser.py): "
        "apt-get install chromium (Debian/Ubuntu), or set CHROMIUM=/path/to/chromium"
    )
    assert all(line.startswith("make") and "***" in line for line in makes), result.stderr
    assert "pytest" not in result.stdout
