"""The pre-commit hooks run what `make lint` runs: same tools, same options, nothing more or
less (a hook may add --force-exclude, which makes ruff honour its excludes for named files)."""

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def lint_commands() -> list[list[str]]:
    recipe = re.search(r"^lint:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert recipe is not None, "no lint target in the Makefile"
    commands = []
    for line in recipe.group(1).splitlines():
        words = shlex.split(line.strip().replace("$(PY)", ".venv/bin/python"))
        if words[0].endswith("hadolint"):
            words = words[:1]  # make lint names the Dockerfiles; the hook gets them from git
        commands.append([w for w in words if w != "."])
    return commands


def hook_commands() -> list[list[str]]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert all(hook["language"] == "system" for hook in hooks)
    return [
        [w for w in shlex.split(hook["entry"]) if w not in (".", "--force-exclude")]
        for hook in hooks
    ]


def test_the_hooks_are_make_lint() -> None:
    assert hook_commands() == lint_commands()


def test_every_dockerfile_make_lint_checks_is_one_the_hook_matches() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    pattern = next(h["files"] for r in config["repos"] for h in r["hooks"] if h["id"] == "hadolint")
    linted = re.search(r"hadolint (.+)", (ROOT / "Makefile").read_text())
    assert linted is not None
    assert all(re.search(pattern, name) for name in linted.group(1).split())
