"""The layers, enforced: each folder imports only what its layer may (docs/architecture.md).
A newcomer breaking a rule gets a failing test naming the file and the import."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IO_LIBRARIES = ("asyncpg", "redis", "aiofiles", "aiosmtplib", "smtplib", "psycopg")
SQL = re.compile(r"""["'](SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|WITH \w+ AS)\b""")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).glob("*.py"))


def offending(folder: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    bad = []
    for path in files(folder):
        for name in sorted(imports(path)):
            if name.startswith(allowed):
                continue
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


def test_endpoints_do_no_io_of_their_own() -> None:
    """Endpoints call services; the services talk to PostgreSQL, Redis, files and mail."""
    assert offending("endpoints", IO_LIBRARIES) == []
    sql = [str(p.relative_to(ROOT)) for p in files("endpoints") if SQL.search(p.read_text())]
    assert sql == []


def test_services_know_nothing_of_http() -> None:
    """Velithon's template engine is no HTTP: the e-mails use it, as the pages do."""
    forbidden = ("velithon", "endpoints", "routes", "middleware", "web")
    assert offending("services", forbidden, allowed=("velithon.templates",)) == []


def test_models_are_only_models() -> None:
    forbidden = ("velithon", "services", "endpoints", "routes", "middleware", "web", *IO_LIBRARIES)
    assert offending("models", forbidden) == []


def test_routes_only_declare() -> None:
    for path in files("routes"):
        for name in imports(path):
            assert name.startswith(("endpoints", "models", "web.route")), (path.name, name)


def test_middleware_reaches_services_through_the_container() -> None:
    """Middleware may name domain errors, but gets service instances from the container."""
    assert offending("middleware", ("services",), allowed=("services.errors",)) == []
    assert offending("middleware", IO_LIBRARIES) == []


@pytest.mark.parametrize(
    "folder", ["routes", "endpoints", "services", "middleware", "web", "models"]
)
def test_nobody_uses_velithons_inject(folder: str) -> None:
    """Velithon's @inject lets a query parameter replace a service (quirk 7): the container's
    Provide markers are bound by web/binding.py instead (ruff's banned-api says so too)."""
    assert offending(folder, ("velithon.di.inject",)) == []


def test_the_image_gets_every_package_the_app_imports() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+)/ \1/$", dockerfile, re.M))
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench", "template"}
    assert packages - copied == set(), "add COPY lines to the Dockerfile"


def _velithon_private_names() -> set[str]:
    """The underscore attributes of Velithon's request objects (their __slots__)."""
    from velithon import datastructures

    names: set[str] = set()
    for value in vars(datastructures).values():
        if isinstance(value, type) and value.__module__.startswith("velithon"):
            slots = getattr(value, "__slots__", ())
            names.update(s for s in ((slots,) if isinstance(slots, str) else slots) if s[:1] == "_")
    return names


def test_velithons_private_names_are_used_in_one_module_only() -> None:
    private = _velithon_private_names()
    assert {"_request_id", "_protocol"} <= private
    allowed = ROOT / "web" / "velithon_private.py"
    bad = []
    for path in sorted(ROOT.glob("*/*.py")) + sorted(ROOT.glob("*.py")):
        if path == allowed or path.parts[len(ROOT.parts)] in ("tests", ".venv", ".tools", "bench"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("velithon._"):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}")
            if isinstance(node, ast.Attribute) and node.attr in private:
                if not (isinstance(node.value, ast.Name) and node.value.id == "self"):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} uses .{node.attr}")
    assert bad == [], "Velithon's private names belong in web/velithon_private.py"


def test_infrastructure_services_are_listed_and_import_no_domain_service() -> None:
    """services/__init__.py lists the infrastructure; everything else in services/ is domain."""
    import services

    infrastructure: set[str] = set()
    for line in (services.__doc__ or "").splitlines():
        if line.startswith("- "):
            infrastructure.update(name.strip() for name in line[2:].split(":")[0].split(","))
    modules = {p.stem for p in (ROOT / "services").glob("*.py")} - {"__init__"}
    assert infrastructure <= modules, sorted(infrastructure - modules)
    domain = modules - infrastructure
    bad = [
        f"services/{name}.py imports {imported}"
        for name in sorted(infrastructure)
        for imported in sorted(imports(ROOT / "services" / f"{name}.py"))
        if imported.split(".")[:2] in (["services", d] for d in domain)
    ]
    assert bad == [], "infrastructure builds on nothing of the domain"
