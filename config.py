"""Settings: read once per process from the environment and .env, validated at start.

Every field's environment variable is its name in upper case (HOST, PORT, DATABASE_URL, ...).
.env.example documents each one. A key in .env that is no setting stops the start, naming the
closest one (DATABSE_URL: did you mean DATABASE_URL?); so does a weak secret in production.
"""

import difflib
import ipaddress
import json
import os
import sys
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Optional
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The placeholders shipped in .env.example (and the development defaults below). Production
# refuses to start while any secret still has one of these values.
PLACEHOLDER_SECRETS = frozenset(
    {
        "dev-secret-key-change-me-in-production-0123456789",
        "dev-jwt-secret-change-me-in-production-0123456789",
        "change-me",
        # the best-practices guide's .env.production
        "your-very-secure-secret-key",
        "your-jwt-secret-key",
    }
)
MIN_SECRET_LENGTH = 32
# The project's names. copier's questions set them in a new project (docs/starting-a-project.md);
# everything else that carries the name reads it from here or from the settings below.
PROJECT_NAME = "Velithon Service"
PROJECT_SLUG = "velithon-service"
UPLOAD_FRAMING_BYTES = 16 * 1024

CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", case_sensitive=False, extra="ignore"
    )

    # Application
    app_name: str = PROJECT_NAME
    app_version: str = "0.1.0"
    environment: Literal["development", "test", "production"] = "development"
    debug: bool = False

    # Server
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"
    access_log: bool = True
    # Connection limits (granian): the listen backlog; connections each worker serves at once
    # (further ones wait in the backlog); seconds a client may take to send its headers, also
    # how long an idle keep-alive connection is kept; keep-alive on or off.
    server_backlog: int = Field(default=4096, ge=128, le=65535)
    server_max_connections: int = Field(default=8192, ge=16, le=1_000_000)
    server_header_read_timeout: float = Field(default=10.0, ge=0.1, le=60)
    server_keep_alive: bool = True
    # Seconds workers get to finish their requests after SIGTERM/SIGINT before they are killed.
    server_shutdown_timeout: float = Field(default=10.0, ge=1, le=1800)
    # Seconds the start waits for PostgreSQL and Redis to answer (a server still starting).
    startup_wait: float = Field(default=10.0, ge=0, le=600)

    # Database (asyncpg pool: min_size = db_pool_size, max_size = db_pool_size + db_max_overflow)
    database_url: SecretStr
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=20, ge=0)
    # Seconds a statement may run (enforced by PostgreSQL and by the client, so a frozen server
    # cannot hold a request longer), and to get a connection from the pool (or open one).
    db_command_timeout: float = Field(default=5.0, gt=0, le=600)
    db_acquire_timeout: float = Field(default=5.0, gt=0, le=600)

    # Redis
    redis_url: SecretStr
    redis_max_connections: int = Field(default=50, ge=1)
    redis_socket_timeout: float = Field(default=5.0, gt=0)
    # After Redis failed to answer, commands fail at once for this long before one tries again.
    redis_retry_interval: float = Field(default=1.0, gt=0, le=60)
    # Every key the app writes starts with this, so several apps (or a test run) can share
    # one Redis database without touching each other's keys.
    redis_key_prefix: str = "app:"

    # Health checks: how long /health waits for each dependency
    health_timeout: float = Field(default=1.0, gt=0)

    # Security
    secret_key: SecretStr = SecretStr("dev-secret-key-change-me-in-production-0123456789")
    jwt_secret: Optional[SecretStr] = None
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_expire_minutes: int = Field(default=15, ge=1, le=24 * 60)
    jwt_issuer: str = PROJECT_SLUG
    jwt_audience: str = f"{PROJECT_SLUG}-api"
    jwt_leeway_seconds: int = Field(default=10, ge=0, le=300)
    refresh_token_days: int = Field(default=14, ge=1, le=365)
    refresh_cookie_name: str = "refresh_token"
    # Account e-mails (docs/auth.md): the address the links in them start with (where users
    # reach this app), how long a verification link and a password-reset link work, and what
    # an account may do before its address is verified: "limited" (log in, read and change its
    # own account and sessions; any other route answers 403), "full" (everything), "blocked"
    # (no login until verified).
    public_url: str = "http://localhost:8000"
    email_verification_hours: int = Field(default=48, ge=1, le=30 * 24)
    password_reset_minutes: int = Field(default=30, ge=5, le=24 * 60)
    unverified_accounts: Literal["limited", "full", "blocked"] = "limited"
    # Two-factor sign-in (TOTP): the Fernet key its secrets are encrypted with at rest (unset:
    # one derived from SECRET_KEY), wrong codes before an account's codes are refused for
    # TOTP_LOCK_MINUTES, and how long the first step of a two-step login waits for the code.
    totp_encryption_key: Optional[SecretStr] = None
    totp_max_failures: int = Field(default=5, ge=1, le=100)
    totp_lock_minutes: int = Field(default=15, ge=1, le=24 * 60)
    totp_challenge_seconds: int = Field(default=300, ge=30, le=3600)
    # argon2id parameters; raising them rehashes each password at its next login.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost: int = Field(default=65536, ge=1024)  # KiB
    argon2_parallelism: int = Field(default=4, ge=1)

    # CORS
    cors_origins: CommaList = ["http://localhost:3000"]
    cors_methods: CommaList = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    cors_headers: CommaList = ["Authorization", "Content-Type"]
    cors_allow_credentials: bool = False
    cors_max_age: int = Field(default=600, ge=0)

    # Security headers
    content_security_policy: str = (
        "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
        "object-src 'none'"
    )
    # /docs: Swagger UI, served by the app. Its scripts and stylesheet come from 'self', its
    # icons are data: URIs in the stylesheet, and "Try it out" calls the API ('self').
    docs_content_security_policy: str = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    referrer_policy: str = "strict-origin-when-cross-origin"
    permissions_policy: str = "camera=(), geolocation=(), microphone=(), payment=(), usb=()"
    hsts_max_age: int = Field(default=63072000, ge=0)  # sent in production only

    # Static files (static/): how long browsers and proxies may cache them, in seconds
    static_max_age: int = Field(default=3600, ge=0)

    # Request size: larger bodies get 413 (raise it for upload routes)
    max_request_size: int = Field(default=1024 * 1024, ge=1)

    # Rate limiting (Redis, shared by all workers and replicas)
    rate_limit_enabled: bool = True
    rate_limit_per_minute: int = Field(default=100, ge=1)
    rate_limit_login_per_minute: int = Field(default=10, ge=1)
    rate_limit_signup_per_minute: int = Field(default=5, ge=1)
    # Asking for an account e-mail (verification again, password reset): per client address,
    # and per e-mail address whether or not it has an account
    rate_limit_account_mail_per_minute: int = Field(default=5, ge=1)
    account_mail_per_address_per_minute: int = Field(default=2, ge=1, le=100)
    # example-shop:begin
    # CSV exports a minute per client address: each holds a database connection while it runs
    rate_limit_export_per_minute: int = Field(default=10, ge=1)
    # example-shop:end
    # When Redis does not answer: true lets requests through (logged, counted), false answers 503
    rate_limit_fail_open: bool = True
    # Proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated)
    trusted_proxies: CommaList = []

    # Caching in Redis (services/cache_service.py): how long an entry lives at most, in seconds
    # (writes invalidate at once; this bounds what a lost invalidation can cost), and how long a
    # miss waits for another worker already computing the same entry before computing it too
    cache_enabled: bool = True
    cache_ttl_seconds: int = Field(default=300, ge=1, le=7 * 24 * 3600)
    cache_lock_timeout: float = Field(default=2.0, gt=0, le=60)

    # E-mail (services/email_service.py). Without SMTP_HOST, outside production, each message
    # is written whole to an .eml file in MAIL_DIR (default .dev/mail) instead of sent.
    # SMTP_TLS: starttls (port 587), tls (implicit, port 465) or none (a local relay or test
    # server only).
    smtp_host: Optional[str] = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: Optional[str] = None
    smtp_password: Optional[SecretStr] = None
    smtp_timeout: float = Field(default=10.0, gt=0, le=300)
    mail_from: str = f"{PROJECT_NAME} <no-reply@example.com>"
    mail_dir: Optional[str] = None  # development and tests only: production sends

    # Durable jobs (PgQueuer, services/job_worker.py): tries before a job is failed for good,
    # the first retry's delay (doubling up to JOB_RETRY_MAX_DELAY), and how long a job whose
    # worker stopped sending heartbeats waits before another worker takes it over.
    job_max_attempts: int = Field(default=5, ge=1, le=100)
    job_retry_delay: float = Field(default=2.0, gt=0, le=3600)
    job_retry_max_delay: float = Field(default=300.0, gt=0, le=86400)
    job_heartbeat_timeout: float = Field(default=30.0, ge=1, le=3600)
    # Run the job worker inside each app worker too (development): no `make worker` needed
    jobs_in_app: bool = False

    # Metrics (GET /metrics)
    metrics_enabled: bool = True
    metrics_token: Optional[SecretStr] = None
    metrics_allowed_networks: CommaList = [
        "127.0.0.0/8",
        "::1/128",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
    ]

    # File uploads (services/storage.py): the largest file in bytes, where files are stored, and
    # the extensions accepted (each also sniffed with python-magic: services/content_types.py)
    max_file_size: int = Field(default=10 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024)
    upload_path: str = "./uploads"
    allowed_extensions: CommaList = [".jpg", ".jpeg", ".png", ".gif", ".webp"]

    # Test seam: "module:function" called with the container in every server process at
    # start, to swap providers. Refused in production.
    container_overrides: Optional[str] = None

    @field_validator(
        "cors_origins",
        "cors_methods",
        "cors_headers",
        "allowed_extensions",
        "trusted_proxies",
        "metrics_allowed_networks",
        mode="before",
    )
    @classmethod
    def split_comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [item.strip() for item in text.split(",") if item.strip()]
        return value

    @field_validator("public_url")
    @classmethod
    def absolute_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an absolute http(s) URL: https://app.example.com")
        if parts.query or parts.fragment:
            raise ValueError("must have no query or fragment")
        return value.strip().rstrip("/")

    @field_validator("totp_encryption_key")
    @classmethod
    def fernet_key(cls, value: Optional[SecretStr]) -> Optional[SecretStr]:
        if value is not None:
            try:
                Fernet(value.get_secret_value())
            except ValueError:
                raise ValueError(
                    "must be a Fernet key: 32 url-safe base64-encoded bytes "
                    "(python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())')"
                ) from None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def upper_log_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("trusted_proxies", "metrics_allowed_networks")
    @classmethod
    def valid_networks(cls, value: list[str]) -> list[str]:
        for network in value:
            ipaddress.ip_network(network, strict=False)  # ValueError names the bad entry
        return value

    @model_validator(mode="after")
    def consistent(self) -> "Settings":
        """The rules between settings, all checked at once: a start reports every problem,
        one line each (a ValueError can carry one message, so they are joined by newlines)."""
        problems = []
        if self.cors_allow_credentials and "*" in self.cors_origins:
            problems.append("CORS_ORIGINS cannot be * when CORS_ALLOW_CREDENTIALS is true")
        _, address = parseaddr(self.mail_from)
        if "@" not in address:
            problems.append("MAIL_FROM must be an address: Name <user@example.com>")
        if self.job_retry_delay > self.job_retry_max_delay:
            problems.append("JOB_RETRY_DELAY cannot be longer than JOB_RETRY_MAX_DELAY")
        if self.environment == "production":
            problems += self._unsafe_in_production()
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _unsafe_in_production(self) -> list[str]:
        problems = []
        if self.debug:
            problems.append("DEBUG must be false when ENVIRONMENT=production")
        for name in ("secret_key", "jwt_secret"):
            secret: Optional[SecretStr] = getattr(self, name)
            if secret is None:
                continue
            value = secret.get_secret_value()
            if value in PLACEHOLDER_SECRETS:
                problems.append(f"{name.upper()} still has the placeholder from .env.example")
            elif len(value) < MIN_SECRET_LENGTH:
                problems.append(f"{name.upper()} is shorter than {MIN_SECRET_LENGTH} characters")
        if self.container_overrides:
            problems.append("CONTAINER_OVERRIDES is a test seam and is refused in production")
        if not self.smtp_host:
            problems.append("SMTP_HOST must be set in production (mail would not be sent)")
        if self.mail_dir:
            problems.append("MAIL_DIR is for development: production sends through SMTP_HOST")
        return problems

    @field_validator("allowed_extensions")
    @classmethod
    def dotted_extensions(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("name at least one extension (.png,.jpg)")
        return [item.lower() if item.startswith(".") else "." + item.lower() for item in value]

    @property
    def max_upload_request_size(self) -> int:
        """An upload's whole request: the file plus room for the multipart framing around it
        (boundaries, part headers). The reverse proxy must refuse larger bodies too."""
        return self.max_file_size + UPLOAD_FRAMING_BYTES

    @property
    def mail_outbox(self) -> str:
        """Where messages go without SMTP_HOST (never in production: it requires SMTP_HOST)."""
        return self.mail_dir or ".dev/mail"

    @property
    def effective_jwt_secret(self) -> SecretStr:
        return self.jwt_secret or self.secret_key

    @property
    def secure_cookies(self) -> bool:
        return self.environment == "production"

    @property
    def json_logs(self) -> bool:
        if self.log_format == "auto":
            return self.environment == "production"
        return self.log_format == "json"


# Keys a .env may hold that are not the app's: compose reads them (compose.yaml), and ENV_FILE
# and PROMETHEUS_MULTIPROC_DIR are read before the settings are.
NOT_APP_SETTINGS = frozenset(
    {
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_DB",
        "POSTGRES_IMAGE",
        "REDIS_IMAGE",
        "PYTHON_VERSION",
        "APP_IMAGE",
        "APP_PORT",
        "APP_BIND",
        "APP_ENV_FILE",
        "MAIL_IMAGE",
        "COMPOSE_PROJECT_NAME",
        "ENV_FILE",
        "PROMETHEUS_MULTIPROC_DIR",
    }
)
ENVIRONMENTS = ("development", "test", "production")
# The best-practices guide names the environment ENV (its .env.production): accepted, unless
# ENVIRONMENT is given too, and only with one of the environments as its value (POSIX shells
# use ENV for a file name).
GUIDE_ENVIRONMENT = "ENV"


class SettingsError(SystemExit):
    """Raised at start when the configuration is invalid; the message names each setting."""


def setting_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def unknown_dotenv_keys(dotenv: dict[str, Optional[str]], path: str) -> list[str]:
    """Every key in the dotenv file must be a setting (or one that compose reads): one line
    for each that is not."""
    known = setting_names() | NOT_APP_SETTINGS | {GUIDE_ENVIRONMENT}
    problems = []
    for key in dotenv:
        name = key.upper()
        if name in known:
            continue
        closest = difflib.get_close_matches(name, sorted(setting_names()), n=1, cutoff=0.6)
        hint = f"; did you mean {closest[0]}?" if closest else " (.env.example lists them all)"
        problems.append(f"{path}: {key} is not a setting{hint}")
    return problems


def warn_about_near_misses(environ: dict[str, str]) -> None:
    """An environment variable one typo away from a setting (WORKER=4) is most likely meant
    for it; the environment also holds everything else, so this only warns."""
    names = setting_names()
    for key in environ:
        name = key.upper()
        if name in names or name in NOT_APP_SETTINGS or len(name) < 5:
            continue
        closest = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.9)
        if closest:
            sys.stderr.write(f"warning: {key} is not a setting; did you mean {closest[0]}?\n")


def guide_aliases(environ: dict[str, str], dotenv: dict[str, Optional[str]]) -> dict[str, Any]:
    given = {k.upper(): v for k, v in {**dotenv, **environ}.items() if v is not None}
    value = (given.get(GUIDE_ENVIRONMENT) or "").strip().lower()
    if "ENVIRONMENT" not in given and value in ENVIRONMENTS:
        return {"environment": value}
    return {}


def _problems(exc: ValidationError) -> list[str]:
    """One line per problem, each naming its setting."""
    lines = []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in err["loc"]).upper()
        for message in err["msg"].removeprefix("Value error, ").splitlines():
            lines.append(f"{where}: {message}" if where else message)
    return lines


def _stand_ins(exc: ValidationError) -> dict[str, Any]:
    """A valid value for each setting that failed on its own, so a second pass can check the
    rules between settings (pydantic runs them only once every field is valid)."""
    stand_ins: dict[str, Any] = {}
    for err in exc.errors(include_url=False, include_input=False):
        name = str(err["loc"][0]) if err["loc"] else ""
        if field := Settings.model_fields.get(name):
            default = field.get_default(call_default_factory=True)
            stand_ins[name] = "unset" if field.is_required() else default
    return stand_ins


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    # ENV_FILE picks another dotenv file; ENV_FILE="" reads none (the tests use that).
    env_file = os.environ.get("ENV_FILE", ".env") or None
    dotenv = dotenv_values(env_file) if env_file and Path(env_file).is_file() else {}
    problems = unknown_dotenv_keys(dotenv, env_file or "")
    warn_about_near_misses(dict(os.environ))
    given = guide_aliases(dict(os.environ), dotenv)
    try:
        settings = Settings(_env_file=env_file, **given)  # type: ignore[call-arg]
    except ValidationError as exc:
        problems += _problems(exc)
        try:
            Settings(_env_file=env_file, **{**given, **_stand_ins(exc)})  # type: ignore[call-arg]
        except ValidationError as again:
            problems += [line for line in _problems(again) if line not in problems]
    if problems:
        raise SettingsError("\n".join(f"invalid configuration: {line}" for line in problems))
    return settings
