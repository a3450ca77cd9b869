"""README.md's API walk, run as a reader pastes it: every bash block of its section, in order,
in one shell, against a running server. Nothing is skipped: the blocks present are the walk
(a copy without the example shop has only the account steps, and runs those). Two things are
pointed elsewhere, and only these: the first line's API= at the test server, and .dev/mail/ at
that server's MAIL_DIR. "in a copy without the shop" strips the shop's blocks as copier does
(a project made from the template has no markers left: there both runs are its walk as it is).
curl fails on an HTTP error status here (--fail-with-body), so a step that goes wrong stops
the walk."""

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import StartServer
from tests.server import ROOT, clean_environ

SECTION = "## API walk"
FIRST_LINE = "API=http://127.0.0.1:8000"
SHOP = "example-shop"  # the marker, not written whole: template/twins.py would read it
SHOP_BLOCK = re.compile(rf"<!-- {SHOP}:begin -->.*?<!-- {SHOP}:end -->\n", re.S)
PRELUDE = 'set -euo pipefail\ncurl() { command curl --fail-with-body --show-error "$@"; }\n'


def walk(readme: str) -> list[str]:
    start = readme.index(SECTION + "\n")
    end = readme.find("\n## ", start + len(SECTION))
    section = readme[start : end if end != -1 else None]
    return re.findall(r"^```bash\n(.*?)^```$", section, flags=re.S | re.M)


@pytest.mark.parametrize("shop", [True, False], ids=["as it is", "in a copy without the shop"])
def test_the_readme_api_walk_works_as_pasted(
    start_server: StartServer, app_env: dict[str, str], tmp_path: Path, shop: bool
) -> None:
    readme = (ROOT / "README.md").read_text()
    marked = f"{SHOP}:begin" in readme  # here; a copy's README carries no markers
    if not shop:
        readme = SHOP_BLOCK.sub("", readme)
    blocks = walk(readme)
    assert blocks and blocks[0].startswith(FIRST_LINE + " "), "the walk starts by setting API="
    with_shop = "$API/orders" in "".join(blocks)
    if marked:
        assert with_shop == shop, "the shop's steps are blocks of their own, between markers"
    outbox = tmp_path / "mail"
    srv = start_server(JOBS_IN_APP="true", MAIL_DIR=str(outbox), fresh=True)
    script = PRELUDE + "\n".join(blocks)
    script = script.replace(FIRST_LINE, f"API={srv.url}", 1).replace(".dev/mail/", f"{outbox}/")
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean_environ(), **app_env},
    )
    out = result.stdout
    assert result.returncode == 0, f"{out}\n{result.stderr}"
    assert out.count('"email":"ada@example.com"') >= 2 and '"role":"admin"' in out, out
    if with_shop:
        assert "idempotent-replayed: true" in out.lower(), out
        assert "Subject: Your order 1" in out and "Content-Type: text/html" in out, out
        assert "2 x Desk lamp at 19.99" in out, out
        assert out.rstrip().splitlines()[-1].startswith("1,"), out  # the export's row
