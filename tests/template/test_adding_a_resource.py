"""docs/adding-a-resource.md, followed to the letter in a new project without the example shop:
every file the page shows is written as it stands, its two edits go where its sentences say,
and that project's lint and the new resource's tests must pass. A change of the page that
breaks the walk fails here."""

import ast
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.server import ROOT
from tests.template.copies import copy
from tests.template.history import run_environment

PAGE = ROOT / "docs" / "adding-a-resource.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.M | re.S)
ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
# The page names the migration by the time it is written; here the time is fixed, and later
# than every migration the template ships (asserted).
WRITTEN_AT = ("YYYYMMDDHHMMSS", "20270101000000")
# Where the page says its edits go; apply() puts them exactly there.
AFTER_USERS = "in `class Container`, right after `users = Provider(...)`"
AFTER_METRICS = (
    "list of `test_every_status_an_operation_answers_is_documented`, after the "
    '`("get", "/metrics", ...)` entry'
)
LAYERS = {"migrations", "models", "services", "endpoints", "routes", "tests"}


class Block(NamedTuple):
    language: str
    attributes: dict[str, str]
    code: str


def blocks(page: str) -> list[Block]:
    return [
        Block(language, dict(ATTRIBUTE.findall(info)), code)
        for language, info, code in FENCE.findall(page)
    ]


def whole_files(page: str) -> dict[str, str]:
    files = {b.attributes["title"]: b.code for b in blocks(page) if "title" in b.attributes}
    return {path.replace(*WRITTEN_AT): code for path, code in files.items()}


def edits(page: str, path: str) -> list[str]:
    return [b.code for b in blocks(page) if b.attributes.get("edit") == path]


def insert_after(source: str, line: int, code: str) -> str:
    lines = source.splitlines(keepends=True)
    return "".join([*lines[:line], code, *lines[line:]])


def add_import(source: str, code: str) -> str:
    """Among the module's `from services...` imports, in name order."""
    (new,) = ast.parse(code).body
    assert isinstance(new, ast.ImportFrom) and new.module, code
    services = [
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("services.")
    ]
    before = [node for node in services if (node.module or "") < new.module]
    line = before[-1].end_lineno if before else services[0].lineno - 1
    return insert_after(source, line or 0, code)


def add_after_users(source: str, code: str) -> str:
    """In class Container, after the statement that assigns `users`."""
    (container,) = [
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.ClassDef) and node.name == "Container"
    ]
    (users,) = [node for node in container.body if assigned(node) == "users"]
    return insert_after(source, users.end_lineno or 0, code)


def assigned(node: ast.stmt) -> str:
    target = (
        node.targets[0]
        if isinstance(node, ast.Assign)
        else node.target
        if isinstance(node, ast.AnnAssign)
        else None
    )
    return target.id if isinstance(target, ast.Name) else ""


def add_after_metrics_entry(source: str, code: str) -> str:
    (test,) = [
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
        and node.name == "test_every_status_an_operation_answers_is_documented"
    ]
    (parametrize,) = [d for d in test.decorator_list if isinstance(d, ast.Call)]
    entries = parametrize.args[1]
    assert isinstance(entries, ast.List)
    (metrics,) = [
        entry
        for entry in entries.elts
        if isinstance(entry, ast.Tuple)
        and [ast.literal_eval(e) for e in entry.elts[:2]] == ["get", "/metrics"]
    ]
    return insert_after(source, metrics.end_lineno or 0, code)


def apply(page: str, project: Path) -> list[str]:
    """The walk, as a reader does it; the files written or edited."""
    words = " ".join(page.split())
    assert AFTER_USERS in words and AFTER_METRICS in words
    written = []
    for path, code in whole_files(page).items():
        target = project / path
        assert not target.exists(), f"{path}: the page's resource must be new to a project"
        target.write_text(code)
        written.append(path)
    containers = project / "containers.py"
    for code in edits(page, "containers.py"):
        add = add_import if code.startswith(("from ", "import ")) else add_after_users
        containers.write_text(add(containers.read_text(), code))
    openapi = project / "tests" / "test_openapi.py"
    (entries,) = edits(page, "tests/test_openapi.py")
    openapi.write_text(add_after_metrics_entry(openapi.read_text(), entries))
    return [*written, "containers.py", "tests/test_openapi.py"]


def run(project: Path, *command: str) -> None:
    # The developer's TEST_* settings pass (an external PostgreSQL or Redis); nothing of the
    # pytest that runs this one does, and the copy's pytest keeps its temporary directories
    # beside it (tests/template/history.py: run_environment).
    env = run_environment(project)
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}{result.stderr}"


def test_the_page_shows_every_layer_whole() -> None:
    page = PAGE.read_text()
    files = whole_files(page)
    assert {path.split("/")[0] for path in files} == LAYERS, sorted(files)
    for path, code in files.items():
        if path.endswith(".py"):
            ast.parse(code, path)
    assert "date -u +%Y%m%d%H%M%S" in page
    assert [path for path in files if path.startswith("migrations/")] == [
        f"migrations/{WRITTEN_AT[1]}_create_notes.sql"
    ]
    assert len(edits(page, "containers.py")) == 2 and len(edits(page, "tests/test_openapi.py")) == 1


@pytest.fixture
def project() -> Iterator[Path]:
    """A copy without the shop, in a short path of its own: its embedded servers' sockets
    live under it (a unix socket path has ~100 bytes), and out of pytest's shared root, where
    every pytest run keeps only the last three directories and deletes older ones (the copy's
    embedded PostgreSQL was gone before its session ended, in 2 runs of 2)."""
    with tempfile.TemporaryDirectory(prefix="walk-", ignore_cleanup_errors=True) as folder:
        yield copy(Path(folder) / "notes", {"include_examples": False})


@pytest.mark.slow
def test_the_walk_in_a_new_project_lints_and_its_tests_pass(project: Path) -> None:
    changed = apply(PAGE.read_text(), project)
    migrations = sorted(p.name for p in (project / "migrations").glob("*.sql"))
    assert migrations[-1].startswith(WRITTEN_AT[1]), migrations
    modules = [p for p in changed if p.endswith(".py")]
    python = str(ROOT / ".venv" / "bin" / "python")
    run(project, python, "-m", "ruff", "check", *modules)
    run(project, python, "-m", "ruff", "format", "--check", *modules)
    run(project, python, "-m", "mypy", *modules)
    tests = [p for p in changed if p.startswith("tests/")]
    layers = "tests/unit/test_layers.py"  # the layer rules, on the new files too
    run(project, python, "-m", "pytest", *tests, layers, "-q", "-p", "no:cacheprovider")
