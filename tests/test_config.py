"""Settings: environment names, list parsing, secrets, and the production refusal."""

import re
import subprocess
import sys
from typing import Any

import pytest
from cryptography.fernet import Fernet
from dotenv import dotenv_values
from pydantic import SecretStr, ValidationError

from config import Settings
from tests.conftest import ROOT, clean_environ

pytestmark = pytest.mark.no_backing

REQUIRED = {"DATABASE_URL": "postgresql://u:pw@db/app", "REDIS_URL": "redis://r:6379/0"}
STRONG = "k" * 40


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in list(Settings.model_fields):
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in {**REQUIRED, **env}.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_reads_the_guides_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(
        monkeypatch,
        HOST="0.0.0.0",
        PORT="9000",
        WORKERS="3",
        LOG_LEVEL="debug",
        DB_POOL_SIZE="4",
        DB_MAX_OVERFLOW="6",
        JWT_EXPIRE_MINUTES="5",
        MAX_FILE_SIZE="1024",
        UPLOAD_PATH="/data/up",
        APP_NAME="Shop",
        APP_VERSION="2.0.0",
        DEBUG="true",
    )
    assert (s.host, s.port, s.workers, s.log_level) == ("0.0.0.0", 9000, 3, "DEBUG")
    assert (s.db_pool_size, s.db_max_overflow, s.jwt_expire_minutes) == (4, 6, 5)
    assert (s.max_file_size, s.upload_path, s.app_name, s.app_version) == (
        1024,
        "/data/up",
        "Shop",
        "2.0.0",
    )
    assert s.debug is True


def test_comma_separated_lists_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(
        monkeypatch,
        CORS_ORIGINS="https://a.example, https://b.example",
        CORS_METHODS="GET,POST",
        CORS_HEADERS='["Authorization", "X-Custom"]',
        ALLOWED_EXTENSIONS=".png,.pdf",
    )
    assert s.cors_origins == ["https://a.example", "https://b.example"]
    assert s.cors_methods == ["GET", "POST"]
    assert s.cors_headers == ["Authorization", "X-Custom"]
    assert s.allowed_extensions == [".png", ".pdf"]


def test_secrets_are_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch, SECRET_KEY=STRONG, JWT_SECRET="j" * 40)
    for secret in (s.secret_key, s.jwt_secret, s.database_url, s.redis_url):
        assert isinstance(secret, SecretStr)
    text = repr(s) + str(s) + s.model_dump_json()
    assert STRONG not in text and "pw@" not in text


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "SECRET_KEY"),  # the development default is the .env.example placeholder
        ({"SECRET_KEY": "short-but-not-a-placeholder"}, "SECRET_KEY"),
        ({"SECRET_KEY": STRONG, "JWT_SECRET": "change-me"}, "JWT_SECRET"),
        ({"SECRET_KEY": STRONG, "DEBUG": "true"}, "DEBUG"),
        ({"SECRET_KEY": STRONG, "CONTAINER_OVERRIDES": "x:y"}, "CONTAINER_OVERRIDES"),
        ({"SECRET_KEY": STRONG, "SMTP_HOST": ""}, "SMTP_HOST"),
        ({"SECRET_KEY": STRONG, "MAIL_DIR": ".dev/mail"}, "MAIL_DIR"),
    ],
)
def test_production_refuses_unsafe_settings(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, Any], named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        settings(monkeypatch, ENVIRONMENT="production", **{"SMTP_HOST": "mail", **env})


def test_production_accepts_strong_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch, ENVIRONMENT="production", SECRET_KEY=STRONG, SMTP_HOST="mail")
    assert s.environment == "production"
    assert s.effective_jwt_secret.get_secret_value() == STRONG


def test_the_server_refuses_to_start_and_names_the_setting() -> None:
    env = {**clean_environ(), **REQUIRED, "ENV_FILE": "", "ENVIRONMENT": "production"}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_env_example_documents_every_setting() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    documented = {line.split("=", 1)[0].lstrip("# ").strip() for line in lines if "=" in line}
    for name in Settings.model_fields:
        assert name.upper() in documented, f"{name.upper()} missing from .env.example"
    for index, line in enumerate(lines):  # each setting has a comment line just above it
        if "=" in line and not line.startswith("#"):
            assert lines[index - 1].startswith("#"), f"no comment above {line!r}"


def test_wildcard_origin_with_credentials_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="CORS_ORIGINS"):
        settings(monkeypatch, CORS_ORIGINS="*", CORS_ALLOW_CREDENTIALS="true")


def test_bad_networks_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="trusted_proxies"):
        settings(monkeypatch, TRUSTED_PROXIES="10.0.0.0/8,not-a-network")


def load(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, dotenv: str, **env: str) -> Settings:
    """get_settings() as the app calls it, with this .env and environment."""
    from config import get_settings

    for name in [*Settings.model_fields, "env"]:
        monkeypatch.delenv(name.upper(), raising=False)
    path = tmp_path / "app.env"
    path.write_text(dotenv)
    monkeypatch.setenv("ENV_FILE", str(path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        return get_settings()
    finally:
        get_settings.cache_clear()


URLS = "DATABASE_URL=postgresql://u@db/app\nREDIS_URL=redis://r:6379/0\n"


@pytest.mark.parametrize(
    ("line", "named", "closest"),
    [
        ("DATABSE_URL=postgresql://x@y/z", "DATABSE_URL", "DATABASE_URL"),
        ("WORKER=4", "WORKER", "WORKERS"),
        ("RATE_LIMIT_PER_MINUT=5", "RATE_LIMIT_PER_MINUT", "RATE_LIMIT_PER_MINUTE"),
        ("rate_limit_per_minut=5", "rate_limit_per_minut", "RATE_LIMIT_PER_MINUTE"),
    ],
)
def test_an_unknown_key_in_dotenv_stops_the_start_naming_the_closest_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, line: str, named: str, closest: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        load(monkeypatch, tmp_path, URLS + line + "\n")
    message = str(stopped.value)
    assert f"{named} is not a setting; did you mean {closest}?" in message
    assert "\n" not in message


def test_compose_keys_may_share_the_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    compose = "POSTGRES_PASSWORD=x\nAPP_PORT=8080\nAPP_BIND=0.0.0.0\nPYTHON_VERSION=3.12\n"
    assert load(monkeypatch, tmp_path, URLS + compose).port == 8000


def test_the_guides_env_name_works_and_production_refuses_its_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    guide = URLS + "ENV=production\nSECRET_KEY=your-very-secure-secret-key\n"
    with pytest.raises(SystemExit, match="SECRET_KEY still has the placeholder"):
        load(monkeypatch, tmp_path, guide)
    strong = URLS + f"ENV=production\nSECRET_KEY={STRONG}\nJWT_SECRET=your-jwt-secret-key\n"
    with pytest.raises(SystemExit, match="JWT_SECRET still has the placeholder"):
        load(monkeypatch, tmp_path, strong)
    ok = URLS + f"ENV=production\nSECRET_KEY={STRONG}\nDB_POOL_SIZE=20\nDB_MAX_OVERFLOW=40\n"
    ok += "SMTP_HOST=mail\n"
    settings = load(monkeypatch, tmp_path, ok)
    assert settings.environment == "production"
    assert (settings.db_pool_size, settings.db_max_overflow) == (20, 40)
    explicit = ok + "ENVIRONMENT=development\n"  # the template's own name wins
    assert load(monkeypatch, tmp_path, explicit).environment == "development"


def test_a_shells_env_variable_is_not_taken_for_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    assert load(monkeypatch, tmp_path, URLS, ENV="/root/.shrc").environment == "development"


def test_an_environment_variable_one_typo_away_is_warned_about(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    load(monkeypatch, tmp_path, URLS, WORKER="4", HOSTNAME="box", PATH_INFO="x")
    assert capsys.readouterr().err == "warning: WORKER is not a setting; did you mean WORKERS?\n"


def test_account_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="totp_encryption_key"):
        settings(monkeypatch, TOTP_ENCRYPTION_KEY="not-a-fernet-key")
    key = Fernet.generate_key().decode()
    assert settings(monkeypatch, TOTP_ENCRYPTION_KEY=key).totp_encryption_key is not None
    for url in ("localhost:8000", "ftp://host", "https://host/?a=1"):
        with pytest.raises(ValidationError, match="public_url"):
            settings(monkeypatch, PUBLIC_URL=url)
    assert settings(monkeypatch, PUBLIC_URL="https://app.example.org/").public_url == (
        "https://app.example.org"
    )
    with pytest.raises(ValidationError, match="unverified_accounts"):
        settings(monkeypatch, UNVERIFIED_ACCOUNTS="sometimes")


def test_a_dotenv_from_make_env_leaves_composes_own_defaults_alone(tmp_path: Any) -> None:
    """compose.yaml fills some settings in with `${NAME:-default}` (the mail sink's SMTP_PORT
    1025, ...), reading NAME from ./.env: a .env that `make env` wrote must not set any of them,
    or the stack's order e-mails go to mail:587 with STARTTLS and never arrive."""
    from scripts.new_env import main as make_env

    assert make_env(tmp_path / ".env") == 0
    written = dotenv_values(tmp_path / ".env")
    defaulted = set(re.findall(r"\$\{(\w+):-", (ROOT / "compose.yaml").read_text()))
    assert {"SMTP_HOST", "SMTP_PORT", "SMTP_TLS"} <= defaulted
    assert not defaulted & set(written), defaulted & set(written)


def test_all_problems_of_a_dotenv_are_named_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    dotenv = URLS + "WORKER=4\nDATABSE_URL=x\nENVIRONMENT=production\nDB_POOL_SIZE=many\n"
    with pytest.raises(SystemExit) as stopped:
        load(monkeypatch, tmp_path, dotenv)
    lines = str(stopped.value).splitlines()
    assert all(line.startswith("invalid configuration: ") for line in lines), lines
    named = [line.removeprefix("invalid configuration: ") for line in lines]
    assert named[0].endswith("WORKER is not a setting; did you mean WORKERS?")
    assert named[1].endswith("DATABSE_URL is not a setting; did you mean DATABASE_URL?")
    assert named[2].startswith("DB_POOL_SIZE: Input should be a valid integer")
    assert named[3:] == [
        "SECRET_KEY still has the placeholder from .env.example",
        "SMTP_HOST must be set in production (mail would not be sent)",
    ]
