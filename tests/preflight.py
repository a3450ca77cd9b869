"""`make test-all` checks what the slow suite needs from the machine before it starts (it runs
for minutes): one line each for what is missing, saying how to install it; exit 2 if anything is.

    python -m tests.preflight
"""

import ctypes.util
import os
import shutil
import sys
from pathlib import Path


def chromium() -> str:
    """The browser tests' Chromium: CHROMIUM, else chromium on PATH, else Debian's path."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def missing() -> list[str]:
    problems = []
    if not Path(chromium()).exists():
        problems.append(
            f"make test-all: no Chromium at {chromium()} (tests/test_browser.py): "
            "apt-get install chromium (Debian/Ubuntu), or set CHROMIUM=/path/to/chromium"
        )
    if ctypes.util.find_library("magic") is None:
        problems.append(
            "make test-all: no libmagic (upload checks): apt-get install libmagic1 (Debian), "
            "dnf install file-libs (Fedora) or brew install libmagic (macOS)"
        )
    return problems


if __name__ == "__main__":
    for line in missing():
        print(line, file=sys.stderr)
    sys.exit(2 if missing() else 0)
