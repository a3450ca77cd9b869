"""A new project, as a user makes it (docs/starting-a-project.md): copied, committed, then its
own `make install`, `make lint` and `make test` from a clean directory, with the example shop
and without it. Slow: each runs a whole second suite against servers of its own."""

import time
from pathlib import Path

import pytest

from tests.template.copies import ACME, copy
from tests.template.history import commit_all, new_repository, run_shell

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("include_examples", [True, False], ids=["with-shop", "without-shop"])
def test_a_new_project_installs_lints_and_passes_its_own_suite(
    tmp_path: Path, include_examples: bool
) -> None:
    project = copy(tmp_path / "acme-billing", {**ACME, "include_examples": include_examples})
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
