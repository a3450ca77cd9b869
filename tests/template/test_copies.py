"""This repository as a template (copier.yml), checked on copies made here: the twins are up to
date, the default answers make this repository again, a renamed copy carries no trace of the
old name, and a copy without the example shop is a whole, smaller service."""

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from template import twins
from tests.server import ROOT
from tests.template.copies import (
    ACME,
    ANSWERS,
    OLD_NAMES,
    TEMPLATE_ONLY,
    copied_files,
    copy,
    repository_files,
    text_files,
)

COPIER = yaml.safe_load((ROOT / "copier.yml").read_text())
SHOP_FILES = [
    re.fullmatch(r"\{% if not include_examples %\}(.+)\{% endif %\}", pattern).group(1)  # type: ignore[union-attr]
    for pattern in COPIER["_exclude"]
    if "include_examples" in pattern
]
SHOP_TABLES = ("products", "orders", "order_lines", "order_requests", "product_images")
LOCAL = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()} | {
    p.stem for p in ROOT.glob("*.py")
}


@pytest.fixture(scope="module")
def default_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy(tmp_path_factory.mktemp("default") / "velithon-service")


@pytest.fixture(scope="module")
def renamed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy(tmp_path_factory.mktemp("renamed") / "acme-billing", ACME)


@pytest.fixture(scope="module")
def shopless(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy(tmp_path_factory.mktemp("shopless") / "acme", {**ACME, "include_examples": False})


def test_every_twin_is_up_to_date() -> None:
    assert twins.main(["--check"]) == 0, "run `make twins`"


def test_the_default_answers_make_this_repository_byte_for_byte(default_copy: Path) -> None:
    sources = [
        name
        for name in repository_files()
        if not name.startswith(TEMPLATE_ONLY) and not name.endswith(twins.SUFFIX)
    ]
    assert copied_files(default_copy) == sorted([*sources, ANSWERS])
    differ = [n for n in sources if (default_copy / n).read_bytes() != (ROOT / n).read_bytes()]
    assert differ == []
    executable = [n for n in sources if (ROOT / n).stat().st_mode & 0o111]
    assert executable and all((default_copy / n).stat().st_mode & 0o111 for n in executable)


def test_a_renamed_copy_carries_its_own_name_and_no_trace_of_the_old(renamed: Path) -> None:
    texts = text_files(renamed)
    assert [name for name, text in texts.items() if OLD_NAMES.search(text)] == []
    assert 'name = "acme-billing"' in texts["pyproject.toml"]
    assert 'description = "Invoices and payments for Acme"' in texts["pyproject.toml"]
    assert '\nname = "acme-billing"\n' in texts["uv.lock"]
    assert 'PROJECT_NAME = "Acme Billing"' in texts["config.py"]
    assert 'PROJECT_SLUG = "acme-billing"' in texts["config.py"]
    assert "APP_NAME=Acme Billing\n" in texts[".env.example"]
    assert "acme-billing:latest" in texts["compose.yaml"]
    assert texts["README.md"].startswith("# Acme Billing\n\nInvoices and payments for Acme")
    assert "copier copy" not in texts["README.md"]  # the template's own lines


def test_a_renamed_lock_is_current_offline(renamed: Path) -> None:
    uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    result = subprocess.run(
        [uv, "lock", "--check", "--offline"], cwd=renamed, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_no_question_asks_for_a_secret_and_nothing_needs_trust(renamed: Path) -> None:
    questions = {k: v for k, v in COPIER.items() if not k.startswith("_")}
    for name, question in questions.items():
        words = f"{name} {question.get('help', '')}".lower()
        assert not re.search(r"secret|password|token|key", words), name
    assert not {"_tasks", "_migrations", "_jinja_extensions"} & set(COPIER)
    answers = yaml.safe_load((renamed / ANSWERS).read_text())
    assert set(answers) == {"_commit", "_src_path", *ACME, "include_examples"}


def test_a_slug_that_is_not_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="project_slug"):
        copy(tmp_path / "bad", {"project_slug": "Acme Billing"})
    assert not (tmp_path / "bad").exists()


def test_the_shop_list_names_files_that_exist() -> None:
    assert SHOP_FILES and all(list(ROOT.glob(pattern)) for pattern in SHOP_FILES), SHOP_FILES


def test_a_copy_without_the_shop_has_none_of_it(shopless: Path) -> None:
    assert [p for pattern in SHOP_FILES for p in shopless.glob(pattern)] == []
    creating = [
        path.name
        for path in (shopless / "migrations").glob("*.sql")
        for table in SHOP_TABLES
        if re.search(rf"CREATE TABLE {table}\b", path.read_text())
    ]
    assert creating == []
    drops = list((shopless / "migrations").glob("*_drop_example_shop.sql"))
    assert len(drops) == 1 and all(t in drops[0].read_text() for t in SHOP_TABLES)
    assert not list(ROOT.glob("migrations/*_drop_example_shop.sql"))  # never here


def test_nothing_in_a_copy_without_the_shop_names_its_files(shopless: Path) -> None:
    """Docs, comments and settings name no file that is gone (a test file by its name alone,
    as docs cite them: `test_uploads.py::test_...`)."""
    gone = [str(p.relative_to(ROOT)) for pattern in SHOP_FILES for p in ROOT.glob(pattern)]
    names = {*gone, *(Path(p).name for p in gone if p.startswith("tests/test_"))}
    found = [
        f"{name}: {gone_name}"
        for name, text in text_files(shopless).items()
        for gone_name in names
        if gone_name in text
    ]
    assert found == []


@pytest.mark.parametrize("kind", ["renamed", "shopless"])
def test_every_import_of_a_copy_resolves(kind: str, request: pytest.FixtureRequest) -> None:
    root: Path = request.getfixturevalue(kind)
    missing = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                if name.split(".")[0] in LOCAL and not _module_or_name(root, name):
                    missing.append(f"{path.relative_to(root)}: {name}")
    assert missing == []


def _module_or_name(root: Path, dotted: str) -> bool:
    """A module or package of the copy, or a name in one (from x import Name)."""
    parts = dotted.split(".")
    for take in (len(parts), len(parts) - 1):
        base = root.joinpath(*parts[:take])
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return True
    return False


@pytest.mark.parametrize("kind", ["renamed", "shopless"])
def test_every_link_of_a_copy_is_live(kind: str, request: pytest.FixtureRequest) -> None:
    root: Path = request.getfixturevalue(kind)
    templates = re.findall(r'"(?:GET|POST|PUT|PATCH|DELETE)",\s*"(/[^"]*)"', _all(root, "routes"))
    routes = [re.compile(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(t)) + "$") for t in templates]
    dead = []
    for path in root.rglob("*.md"):
        for target in re.findall(r"\]\(([^)\s]+)\)", path.read_text()):
            if re.match(r"[a-z]+:|#", target):
                continue
            if not (path.parent / target.split("#")[0]).resolve().exists():
                dead.append(f"{path.relative_to(root)}: {target}")
    for path in (root / "templates").rglob("*.html"):
        for target in re.findall(r'href="(/[^"?#]*)', path.read_text()):
            if not any(route.match(target) for route in routes):
                dead.append(f"{path.relative_to(root)}: {target}")
    assert dead == []


def _all(root: Path, folder: str) -> str:
    return "\n".join(p.read_text() for p in (root / folder).glob("*.py"))


def test_a_copy_without_the_shop_is_lint_clean(shopless: Path) -> None:
    ruff = [str(ROOT / ".venv" / "bin" / "ruff")]
    for command in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(ruff + command, cwd=shopless, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
