"""`copier update` on a project made from a released template: the template's later changes
arrive, the project's own stay (tests/template/history.py gives the template a history)."""

import uuid
import warnings
from pathlib import Path

import copier
import pytest

from tests.conftest import Database, with_path
from tests.template.copies import ACME
from tests.template.history import (
    commit_all,
    conflict_markers,
    git,
    new_repository,
    run_shell,
    shell_block,
    template_repository,
    write_twins,
)
from tests.template.test_copies import SHOP_FILES, SHOP_TABLES

pytestmark = pytest.mark.slow
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "starting-a-project.md"


def released_copy(tmp_path: Path) -> tuple[Path, Path]:
    """(template repository at v1.0.0, the acme-billing project made from it and committed)."""
    template = template_repository(tmp_path / "template")
    project = tmp_path / "acme-billing"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # copier's notes on a local template
        copier.run_copy(str(template), str(project), data=ACME, defaults=True, unsafe=False)
    new_repository(project)
    commit_all(project, "Acme Billing, from the template")
    return template, project


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{path.name}: {old!r}"
    path.write_text(text.replace(old, new))


def release(template: Path, tag: str) -> None:
    write_twins(template)
    commit_all(template, f"template {tag}")
    git(template, "tag", tag)


def test_an_update_brings_the_templates_changes_and_keeps_the_projects(tmp_path: Path) -> None:
    template, project = released_copy(tmp_path)
    assert "_commit: v1.0.0" in (project / ".copier-answers.yml").read_text()
    # The project's own changes: a twin-backed file (config.py) and a plain one.
    setting = "    rate_limit_per_minute: int = Field(default=100, ge=1)\n"
    edit(project / "config.py", setting, setting + '    invoice_prefix: str = "INV"\n')
    errors = project / "services/errors.py"
    errors.write_text("# Acme: errors are problem details.\n" + errors.read_text())
    commit_all(project, "Acme's changes")
    # The template's: the same two files elsewhere, a new file carrying the name, one deleted.
    edit(template / "config.py", "PROJECT_SLUG = ", "# Fixed in v1.1.0.\nPROJECT_SLUG = ")
    errors = template / "services/errors.py"
    errors.write_text(errors.read_text() + "\n\n# Fixed in v1.1.0 too.\n")
    (template / "docs/changes.md").write_text("# Velithon Service: changes\n\nvelithon-service\n")
    (template / "docs/velithon-quirks.md").unlink()
    release(template, "v1.1.0")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_update(str(project), defaults=True, overwrite=True, unsafe=False)

    config = (project / "config.py").read_text()
    assert 'invoice_prefix: str = "INV"' in config and "# Fixed in v1.1.0.\n" in config
    assert 'PROJECT_NAME = "Acme Billing"' in config
    errors_text = (project / "services/errors.py").read_text()
    assert "Acme: errors are problem details." in errors_text and "v1.1.0 too" in errors_text
    assert (project / "docs/changes.md").read_text() == "# Acme Billing: changes\n\nacme-billing\n"
    assert not (project / "docs/velithon-quirks.md").exists()
    assert conflict_markers(project) == []
    assert "_commit: v1.1.0" in (project / ".copier-answers.yml").read_text()


def test_when_both_change_dependencies_the_documented_recipe_mends_uv_lock(
    tmp_path: Path,
) -> None:
    template, project = released_copy(tmp_path)
    uv_lock = "uv lock --quiet"
    last = '    "swagger-ui-bundle-v2>=5.31",\n'
    edit(
        project / "pyproject.toml",
        '    "aiofiles>=24.1",\n',
        '    "aiofiles>=24.1",\n    "certifi>=2024.1",\n',
    )
    assert run_shell(uv_lock, project).returncode == 0
    commit_all(project, "Acme needs certifi")
    edit(template / "pyproject.toml", last, last + '    "idna>=3.6",\n')
    assert run_shell(uv_lock, template).returncode == 0
    release(template, "v1.1.0")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copier.run_update(str(project), defaults=True, overwrite=True, unsafe=False)
    assert conflict_markers(project) == ["uv.lock"]  # the conflict the recipe is for

    recipe = run_shell(shell_block(GUIDE, "### When uv.lock conflicts"), project)
    assert recipe.returncode == 0, recipe.stderr
    assert conflict_markers(project) == []
    lock = (project / "uv.lock").read_text()
    assert '{ name = "certifi", specifier = ">=2024.1" }' in lock
    assert '{ name = "idna", specifier = ">=3.6" }' in lock
    assert run_shell("uv lock --check", project).returncode == 0


def test_a_project_with_the_shop_drops_it_with_the_documented_command(
    open_tmp_path: Path, backing_urls: tuple[str, str]
) -> None:
    _, project = released_copy(open_tmp_path)
    admin_url = backing_urls[0]
    name = f"drop_shop_{uuid.uuid4().hex[:12]}"
    admin = Database(admin_url)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = with_path(admin_url, f"/{name}")
    try:
        migrated = run_shell("make migrate", project, DATABASE_URL=url)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        db = Database(url)
        assert _tables(db) >= set(SHOP_TABLES)

        dropped = run_shell(
            shell_block(GUIDE, "## 3. Dropping the example shop"), project, DATABASE_URL=url
        )
        assert dropped.returncode == 0, dropped.stdout + dropped.stderr

        assert [p for pattern in SHOP_FILES for p in project.glob(pattern)] == []
        assert conflict_markers(project) == []
        assert _tables(db) & set(SHOP_TABLES) == set()
        assert "include_examples: false" in (project / ".copier-answers.yml").read_text()
        assert git(project, "status", "--porcelain") == ""  # the doc's commit took it all
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tables(db: Database) -> set[str]:
    rows = db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {row["tablename"] for row in rows}
