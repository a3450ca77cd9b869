"""Copies of this repository made with copier, as a user makes them (no --trust)."""

import re
import subprocess
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

import copier

from tests.server import ROOT

# Another service, as a user would name it: every answer differs from the defaults.
ACME = {
    "project_name": "Acme Billing",
    "project_slug": "acme-billing",
    "description": "Invoices and payments for Acme",
}
# What must not be left anywhere in a renamed copy (the template's names, any spelling).
OLD_NAMES = re.compile(
    r"velithon[ _-]service|Reference service template for the Velithon web framework", re.I
)
# Copier's own file in a copy, and the template's files that no copy gets.
ANSWERS = ".copier-answers.yml"
TEMPLATE_ONLY = ("copier.yml", "template/", "tests/template/")


def copy(
    destination: Path,
    answers: Optional[Mapping[str, Any]] = None,
    *,
    src: Path = ROOT,
    vcs_ref: str = "HEAD",
) -> Path:
    """`copier copy --defaults` with these answers. vcs_ref HEAD takes the working tree,
    uncommitted changes too (copier warns about them: expected here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_copy(
            str(src),
            str(destination),
            data=dict(answers or {}),
            defaults=True,
            vcs_ref=vcs_ref,
            quiet=True,
            unsafe=False,
        )
    return destination


def repository_files(root: Path = ROOT) -> list[str]:
    """The files of this repository a copy is made from (git's view: ignored files are not)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return sorted(p for p in out.split("\0") if p and (root / p).is_file())


def copied_files(root: Path) -> list[str]:
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    )


def text_files(root: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    for name in copied_files(root):
        try:
            texts[name] = (root / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
    return texts
