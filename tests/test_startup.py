"""The first hour: every mistake in configuration stops the start with one line naming the
setting, and never shows a password or a traceback."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import http
from tests.backends import PrivatePostgres
from tests.conftest import clean_environ
from tests.server import ROOT, Server, free_port

pytestmark = pytest.mark.no_backing

SECRET = "Sup3r-secret-pw"
SERVE = [sys.executable, "-m", "scripts.serve"]
MIGRATE = [sys.executable, "-m", "scripts.migrate"]


def start(command: list[str], timeout: float = 60, **env: str) -> tuple[int, str, float]:
    settings = {"ENV_FILE": "", "PORT": str(free_port()), "HOST": "127.0.0.1", **env}
    started = time.monotonic()
    result = subprocess.run(
        command,
        cwd=ROOT,
        env={**clean_environ(), **settings},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return result.returncode, result.stdout + result.stderr, time.monotonic() - started


def one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert "Traceback" not in output, output
    assert len(lines) == 1, output
    return lines[0]


@pytest.fixture(scope="module")
def guarded_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivatePostgres]:
    """A PostgreSQL that wants a password, as real ones do."""
    pg = PrivatePostgres(tmp_path_factory.mktemp("pg-password"), password=SECRET).init().start()
    yield pg
    pg.stop()


def redis_nowhere() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


def test_a_refused_password_stops_the_start_at_once_without_showing_it(
    guarded_postgres: PrivatePostgres, redis_url: str
) -> None:
    wrong = guarded_postgres.url_with("Wr0ng-" + SECRET)
    for command in (SERVE, MIGRATE):
        code, output, took = start(command, DATABASE_URL=wrong, REDIS_URL=redis_url)
        line = one_line(output)
        assert code != 0 and took < 8, (code, took)
        assert line.startswith("DATABASE_URL:") and "password of user 'postgres' is refused" in line
        assert SECRET not in output


def test_an_unknown_host_fails_at_once(redis_url: str) -> None:
    url = f"postgresql://app:{SECRET}@no-such-host.invalid:5432/app"
    code, output, took = start(SERVE, DATABASE_URL=url, REDIS_URL=redis_url)
    assert code != 0 and took < 8
    assert (
        one_line(output)
        == "DATABASE_URL: cannot use no-such-host.invalid:5432: its host is unknown"
    )
    assert SECRET not in output


@pytest.mark.slow
def test_a_refused_connection_is_waited_for_then_named(redis_url: str) -> None:
    port = free_port()
    url = f"postgresql://app:{SECRET}@127.0.0.1:{port}/app"
    code, output, took = start(SERVE, DATABASE_URL=url, REDIS_URL=redis_url, STARTUP_WAIT="2")
    assert code != 0 and 1.5 < took < 10
    assert one_line(output) == (
        f"DATABASE_URL: nothing usable answers at 127.0.0.1:{port} (connection refused) "
        "after 2 s (STARTUP_WAIT)"
    )


@pytest.mark.slow
def test_a_database_that_comes_up_within_the_wait_is_used(
    tmp_path: Path, database_url: str, redis_url: str
) -> None:
    """What a compose stack or a deploy sees: the database starts a moment after the app."""
    pg = PrivatePostgres(tmp_path / "late").init()
    command = [sys.executable, "-c", "from scripts.migrate import main; main([])"]
    settings = {
        **clean_environ(),
        "ENV_FILE": "",
        "DATABASE_URL": pg.url,
        "REDIS_URL": redis_url,
        "STARTUP_WAIT": "20",
    }
    waiting = subprocess.Popen(command, cwd=ROOT, env=settings, stdout=subprocess.PIPE, text=True)
    time.sleep(2)
    pg.start()
    try:
        assert waiting.wait(30) == 0
    finally:
        pg.stop()


def test_an_unreachable_redis_stops_the_start(database_url: str) -> None:
    code, output, _ = start(
        SERVE, DATABASE_URL=database_url, REDIS_URL=redis_nowhere(), STARTUP_WAIT="1"
    )
    assert code != 0
    assert one_line(output).startswith("REDIS_URL: nothing usable answers at 127.0.0.1:")


def test_a_port_in_use_is_named(database_url: str, redis_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output, _ = start(
            SERVE, DATABASE_URL=database_url, REDIS_URL=redis_url, PORT=str(port)
        )
    assert code != 0
    assert one_line(output) == f"PORT: 127.0.0.1:{port} is in use; set PORT (or HOST) to another"


def test_a_restart_right_after_ctrl_c_is_not_refused_by_closed_connections(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    """A browser still holding keep-alive connections when `make run` stops: the server closes
    them, and they sit in TIME_WAIT on the port for a minute; the next start must not take
    that for "in use" (granian binds with SO_REUSEADDR; so must the start-up check)."""
    env = {**clean_environ(), "ENV_FILE": "", "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    first = Server(env, tmp_path / "first.log").start()
    with http.Client(base_url=first.url, timeout=5) as browser:
        assert browser.get("/health/live").status_code == 200  # kept alive
        first.stop()
    if Path("/proc/net/tcp").exists():  # Linux: state 06 is TIME_WAIT
        rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
        local = f":{first.port:04X}"
        assert any(r[1].endswith(local) and r[3] == "06" for r in rows), "nothing in TIME_WAIT"
    second = Server(env, tmp_path / "second.log", port=first.port).start()
    try:
        assert http.get(second.url + "/health/live").status_code == 200
    finally:
        second.stop()


def test_every_problem_of_a_start_is_reported_at_once(database_url: str) -> None:
    """A production .env copied from the example: every problem in one start, one line each."""
    code, output, _ = start(
        SERVE,
        ENVIRONMENT="production",
        DATABASE_URL=database_url,
        PORT="0x",
        SECRET_KEY="dev-secret-key-change-me-in-production-0123456789",
        JWT_SECRET="dev-jwt-secret-change-me-in-production-0123456789",
    )
    assert code != 0 and "Traceback" not in output
    assert output.strip().splitlines() == [
        "invalid configuration: PORT: Input should be a valid integer, unable to parse string "
        "as an integer",
        "invalid configuration: REDIS_URL: Field required",
        "invalid configuration: SECRET_KEY still has the placeholder from .env.example",
        "invalid configuration: JWT_SECRET still has the placeholder from .env.example",
        "invalid configuration: SMTP_HOST must be set in production (mail would not be sent)",
    ]


def test_unreachable_database_and_redis_are_both_named(tmp_path: Path) -> None:
    code, output, _ = start(
        SERVE,
        DATABASE_URL=f"postgresql://app@127.0.0.1:{free_port()}/app",
        REDIS_URL=redis_nowhere(),
        STARTUP_WAIT="0",
        UPLOAD_PATH=str(tmp_path),
    )
    lines = output.strip().splitlines()
    assert code != 0 and "Traceback" not in output
    assert [line.split(":")[0] for line in lines] == ["DATABASE_URL", "REDIS_URL"], output


def test_create_admin_without_a_terminal_names_admin_password(
    database_url: str, redis_url: str
) -> None:
    """Scripts, CI and `docker compose exec -T` have no terminal to type the password on."""
    result = subprocess.run(
        ["make", "--no-print-directory", "create-admin", "EMAIL=ops@example.com"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={
            **clean_environ(),
            "ENV_FILE": "",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
        },
    )
    ours = [line for line in result.stderr.splitlines() if line.startswith("create-admin:")]
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert ours == [
        "create-admin: no terminal to ask for the password on; set ADMIN_PASSWORD "
        "(ADMIN_PASSWORD=... make create-admin EMAIL=...)"
    ], result.stderr


def test_create_admin_without_email_says_how() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "create-admin"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean_environ(), "ENV_FILE": ""},
    )
    assert result.returncode != 0
    assert result.stderr.startswith("usage: make create-admin EMAIL=")
    assert "Traceback" not in result.stderr
