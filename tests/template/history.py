"""A template with a git history of its own, for `copier update` tests: this repository's files
(the working tree, as a copy is made from) committed into a new repository and tagged, so a
test can release the template, change it, and release it again, as its maintainers do."""

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.server import ROOT, clean_environ
from tests.template.copies import repository_files

CONFLICT = re.compile(r"^(<{7}|>{7}) ", re.M)  # what a merge leaves at the start of a line
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_IDENTITY},
    ).stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)


def new_repository(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return path


def template_repository(path: Path) -> Path:
    """This repository's current files as the first commit of a new one, tagged v1.0.0."""
    for name in repository_files():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    new_repository(path)
    commit_all(path, "the template")
    git(path, "tag", "v1.0.0")
    return path


def write_twins(template: Path) -> None:
    """The maintainers' `make twins`, in that repository."""
    subprocess.run([sys.executable, "-m", "template.twins"], cwd=template, check=True)


def conflict_markers(root: Path) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if ".git" in path.parts or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if CONFLICT.search(text) or path.suffix == ".rej":
            found.append(str(path.relative_to(root)))
    return found


def shell_block(doc: Path, heading: str) -> str:
    """The first ```bash block under `heading` in a doc: tests run what users are told to."""
    text = doc.read_text()
    start = text.index(f"\n{heading}\n")
    block = re.search(r"```bash\n(.*?)```", text[start:], re.S)
    assert block is not None, f"{doc.name}: no shell block under {heading!r}"
    return block.group(1)


def run_shell(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`script` in bash -e, with this repository's copier and uv first on the PATH (what
    `make install` and the Makefile's uv give a user), in a clean environment."""
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env={**run_environment(cwd), **env},
    )


def run_environment(cwd: Path) -> dict[str, str]:
    """A user's shell in `cwd`, plus: a pytest run in it keeps its temporary directories in a
    root of its own. Under pytest's shared root they would count among the last three it
    keeps, and the oldest, this suite's own or another copy's, is deleted mid-run. The root's
    path is short: the copy's embedded servers put unix sockets (at most 107 bytes) under it."""
    tools = [str(ROOT / ".venv" / "bin"), str(ROOT / ".tools" / "bin")]
    path = os.pathsep.join([*tools, os.environ.get("PATH", "")])
    temproot = Path(tempfile.mkdtemp(prefix="pt", dir="/tmp"))
    atexit.register(shutil.rmtree, temproot, ignore_errors=True)
    return {
        **clean_environment(),
        **GIT_IDENTITY,
        "PATH": path,
        "PYTEST_DEBUG_TEMPROOT": str(temproot),
    }


def clean_environment() -> dict[str, str]:
    """The servers' clean environment (no app settings), without what pytest, xdist or a
    virtualenv put there either: a copy's commands run as in a fresh shell."""
    return {
        key: value
        for key, value in clean_environ().items()
        if not key.startswith("PYTEST_") and key not in ("VIRTUAL_ENV", "PYTHONPATH")
    }
