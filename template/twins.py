"""Writes the copier twins: FILE.jinja beside each runnable FILE that must differ in a new project.

This repository is both a service that runs as it is and the copier template new services are
made from (copier.yml). Copier renders FILE.jinja into FILE, and skips FILE itself when a twin
exists, so every runnable file stays plain and runnable here. Twins are never edited by hand:
edit the runnable file, then `make twins` (tests/template/ fails while a twin is out of date).

A file gets a twin when it holds one of:
- the project's names (config.py's PROJECT_NAME and PROJECT_SLUG, pyproject's description):
  each becomes the answer to copier's question;
- a block of the example shop, between lines that say `example-shop:begin` and
  `example-shop:end`, or one line ending in `example-shop:line` (in whatever comment the file
  type has): kept only when the copy keeps the shop (include_examples);
- a block for this repository only (the template's own README lines, CI on this workplace):
  `template-only:begin` / `template-only:end` / `template-only:line`, kept only when the copy
  is this repository itself, i.e. with the default names (copier.yml's is_template).

Everything else is copied as it is; files wholly of the shop or of the template are excluded
by copier.yml. A large file whose only change is the name (uv.lock) gets a twin that includes
it and replaces the name, instead of a second copy of it.

    python -m template.twins          # write the twins, delete stale ones
    python -m template.twins --check  # exit 1, naming each twin that is out of date
"""

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUFFIX = ".jinja"
# *.jinja files written by hand are the ones whose names are templates too: copier.yml's
# answers file, and the migration that drops the shop's tables in a copy without it.
HAND_WRITTEN = re.compile(r"\{[{%]")
# Never twinned: the template's own machinery (excluded from every copy by copier.yml).
TEMPLATE_ONLY_PATHS = ("copier.yml", "template/", "tests/template/")
INCLUDE_ABOVE = 100_000  # bytes: larger files get an include-and-replace twin

NAME = "Velithon Service"
SLUG = "velithon-service"
DESCRIPTION = "Reference service template for the Velithon web framework"
NAMES = {NAME: "{{ project_name }}", SLUG: "{{ project_slug }}", DESCRIPTION: "{{ description }}"}
CONDITIONS = {"example-shop": "include_examples", "template-only": "is_template"}
MARKER = re.compile(r"\b(example-shop|template-only):(begin|end|line)\b")
JINJA = re.compile(r"\{[{%#]")


class MarkerError(ValueError):
    pass


def tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    return sorted(p for p in out.decode().split("\0") if p and (ROOT / p).is_file())


def _escape(line: str) -> str:
    """Jinja's own delimiters in the file (Handlebars' {{x}}) are printed, not run."""
    line = JINJA.sub(lambda m: "{{ '" + m.group(0) + "' }}", line)
    for name, expression in NAMES.items():
        line = line.replace(name, expression)
    return line


def twin_text(path: str, text: str) -> str | None:
    """The twin of `text`, or None when the file is the same in every copy."""
    has_names = any(name in text for name in NAMES)
    if not has_names and not MARKER.search(text):
        return None
    if len(text.encode()) > INCLUDE_ABOVE:
        if MARKER.search(text) or JINJA.search(text):
            raise MarkerError(f"{path}: a large file can only change its names")
        filters = "".join(
            f"{{% filter replace({name!r}, {expression[3:-3]}) %}}"
            for name, expression in NAMES.items()
            if name in text
        )
        ends = "{% endfilter %}" * filters.count("{% filter")
        return f"{filters}{{% include {path!r} %}}{ends}"
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        raise MarkerError(f"{path}: a twin-backed file must end with a newline")
    out = [_escape(line) for line in lines]
    for kind, first, last in _blocks(path, lines):
        # Blank lines before a block that has blank lines after it go with the block: a copy
        # without it keeps one gap, not two (what formatters and Markdown want).
        while first > 0 and not lines[first - 1].strip() and _blank_after(lines, last):
            first -= 1
        out[first] = f"{{% if {CONDITIONS[kind]} %}}\n" + out[first]
        out[last] += "{% endif %}\n"
    return "".join(out)


def _blocks(path: str, lines: list[str]) -> list[tuple[str, int, int]]:
    """(kind, first line, last line) of each marked block, 0-based and inclusive."""
    blocks: list[tuple[str, int, int]] = []
    open_at: tuple[str, int] | None = None
    for number, line in enumerate(lines):
        marker = MARKER.search(line)
        if marker is None:
            continue
        kind, where = marker.groups()
        where_open = open_at[0] if open_at else None
        if where == "line" and where_open != kind:
            blocks.append((kind, number, number))
        elif where == "begin" and open_at is None:
            open_at = (kind, number)
        elif where == "end" and open_at is not None and where_open == kind:
            blocks.append((kind, open_at[1], number))
            open_at = None
        else:
            raise MarkerError(f"{path}:{number + 1}: {kind}:{where} out of place")
    if open_at is not None:
        raise MarkerError(f"{path}:{open_at[1] + 1}: {open_at[0]}:begin is never ended")
    return blocks


def _blank_after(lines: list[str], last: int) -> bool:
    return last + 1 >= len(lines) or not lines[last + 1].strip()


def wanted_twins() -> dict[str, str]:
    twins: dict[str, str] = {}
    for path in tracked_files():
        if path.endswith(SUFFIX) or path.startswith(TEMPLATE_ONLY_PATHS):
            continue
        try:
            text = (ROOT / path).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and other binary files carry no name
        twin = twin_text(path, text)
        if twin is not None:
            twins[path + SUFFIX] = twin
    return twins


def existing_twins() -> set[str]:
    return {p for p in tracked_files() if p.endswith(SUFFIX) and not HAND_WRITTEN.search(p)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    check = parser.parse_args(argv).check
    wanted = wanted_twins()
    stale = sorted(
        [
            p
            for p, text in wanted.items()
            if _read(p) != text or _mode(p) != _mode(p[: -len(SUFFIX)])
        ]
        + [p for p in existing_twins() if p not in wanted]
    )
    if check:
        for path in stale:
            print(f"{path} is out of date: run `make twins`", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        if path in wanted:
            (ROOT / path).write_text(wanted[path], encoding="utf-8")
            # copier gives the rendered file its twin's mode: .ci/run stays executable
            shutil.copymode(ROOT / path[: -len(SUFFIX)], ROOT / path)
            print(f"wrote {path}")
        else:
            (ROOT / path).unlink()
            print(f"deleted {path}")
    return 0


def _mode(path: str) -> int | None:
    try:
        return (ROOT / path).stat().st_mode
    except FileNotFoundError:
        return None


def _read(path: str) -> str | None:
    try:
        return (ROOT / path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
