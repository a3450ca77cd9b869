"""Migrations: dbmate applies the SQL files; applying twice changes nothing."""

import asyncio
import subprocess

import asyncpg
import pytest
from pgqueuer.adapters.drivers.asyncpg import AsyncpgDriver
from pgqueuer.core.qm import QueueManager
from pgqueuer.queries import Queries

from scripts.migrate import migrate
from tests.conftest import Database
from tests.server import ROOT, clean_environ


def test_applying_twice_is_a_no_op(database_url: str, db: Database) -> None:
    before = db.fetch("SELECT version FROM schema_migrations ORDER BY version")
    migrate(database_url)
    after = db.fetch("SELECT version FROM schema_migrations ORDER BY version")
    assert before == after
    files = sorted(p.name.split("_", 1)[0] for p in (ROOT / "migrations").glob("*.sql"))
    assert [r["version"] for r in after] == files


def test_make_migrate_says_when_nothing_is_pending(database_url: str, redis_url: str) -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "migrate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **clean_environ(),
            "ENV_FILE": "",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "migrate: nothing to apply; the database is up to date"


def insert_user(db: Database, email: str) -> None:
    db.execute("INSERT INTO users (email, name, password_hash) VALUES ($1, 'N', 'hash')", email)


def test_users_email_is_unique_whatever_the_case(db: Database) -> None:
    insert_user(db, "Ada@Example.com")
    with pytest.raises(asyncpg.UniqueViolationError):
        insert_user(db, "ada@example.COM")


def test_users_defaults_and_constraints(db: Database) -> None:
    insert_user(db, "grace@example.com")
    row = db.fetch("SELECT role, is_active, created_at, updated_at FROM users")[0]
    assert row["role"] == "user" and row["is_active"] is True
    assert row["created_at"] == row["updated_at"]
    with pytest.raises(asyncpg.CheckViolationError):
        db.execute(
            "INSERT INTO users (email, name, password_hash, role) "
            "VALUES ('x@y.z', 'N', 'h', 'root')"
        )
    db.execute("UPDATE users SET name = 'Grace' WHERE email = 'grace@example.com'")
    row = db.fetch("SELECT created_at, updated_at FROM users")[0]
    assert row["updated_at"] > row["created_at"]


def test_the_job_queue_schema_is_the_one_pgqueuer_expects(database_url: str) -> None:
    """migrations/20261203010000_install_pgqueuer.sql is PgQueuer's DDL for the version in
    uv.lock; an upgrade that changes it fails here until a migration brings it along."""

    async def check() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            queries = Queries(AsyncpgDriver(conn))
            assert await queries.schema_is_installed()
            await QueueManager(queries).verify_structure()  # raises naming what is missing
            assert (await queries.plan_upgrade()).statements == ()
        finally:
            await conn.close()

    asyncio.run(check())
