"""`make bench`: the full app (every middleware, access log on) against a bare Velithon app doing
the same I/O, same server (granian, RSGI, uvloop), same workers, same load (wrk, or
bench/loadgen.py without wrk: --load-generator). Prints req/s, p50 and p99 per endpoint and the
full/bare throughput ratio. A measurement: it exits 0 whatever the ratio. Needs DATABASE_URL (a
PostgreSQL server where it may create a database) and REDIS_URL; `make bench` provides both
(scripts/devservers.py). See docs/benchmarks.md.
"""

import argparse
import os
import secrets
import shutil
import signal
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Optional

import httpx
import orjson
from dotenv import dotenv_values

from bench import loadgen, wrk
from bench.common import PROFILE_KEY
from bench.report import Row, machine_summary, print_table
from bench.servers import Backing
from bench.shop import PRODUCTS, SHOP_ENDPOINTS, cached_paths, measure_export  # example-shop:line
from tests.server import Server, clean_environ

# (label, path, authenticated)
ENDPOINTS = (
    ("GET /health/live", "/health/live", False),
    ("GET /bench/items (100 objects)", "/bench/items", False),
    ("GET /users/me (JWT, Redis EXISTS, PG row)", "/users/me", True),
    ("GET /bench/cached-profile (Redis GET)", "/bench/cached-profile", False),
    *SHOP_ENDPOINTS,  # example-shop:line
)
# Keeps the limiter running without ever rejecting (unknown settings are ignored).
RATE_LIMIT_PER_MINUTE = "100000000"


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser("python -m bench.run", description=__doc__)
    parser.add_argument("--workers", type=int, default=1, help="server workers (default 1)")
    parser.add_argument(
        "--load-generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="wrk, or bench/loadgen.py (python); auto: wrk when on PATH, else python",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads, or processes (2)")
    parser.add_argument("--connections", type=int, default=32, help="connections (32)")
    parser.add_argument("--duration", type=int, default=10, help="seconds measured (10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds before each (2)")
    parser.add_argument("--rounds", type=int, default=3, help="repeat; median req/s (3)")
    parser.add_argument("--log-dir", type=Path, help="keep server logs here (default: tmp)")
    parser.add_argument(
        "--full-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra setting for the full app only, to see what one part costs "
        "(e.g. RATE_LIMIT_ENABLED=false; KEY= removes KEY); repeatable",
    )
    return parser.parse_args(argv)


def load_generator(choice: str) -> str:
    """wrk or python: wrk when asked for (its absence stops the run), or when found."""
    if choice == "wrk" or (choice == "auto" and shutil.which("wrk")):
        wrk.wrk_binary()
        return "wrk"
    why = "wrk not found (`apt-get install -y wrk`); " if choice == "auto" else ""
    print(
        f"note: {why}Python load generator (bench/loadgen.py): it competes with the servers "
        "for the same CPUs, so its numbers are not comparable with wrk runs",
        file=sys.stderr,
    )
    return "python"


def backing_url(name: str) -> str:
    """From the environment, else from .env (or ENV_FILE) as the app and devservers read it."""
    env_file = os.environ.get("ENV_FILE", ".env")
    url = os.environ.get(name) or (dotenv_values(env_file).get(name) if env_file else None)
    if not url:
        raise SystemExit(f"{name} is not set (`make bench` sets DATABASE_URL and REDIS_URL)")
    return url


def server_env(backing: Backing, workers: int, log_dir: Path) -> dict[str, str]:
    return {
        **clean_environ(),
        "ENV_FILE": "",
        "ENVIRONMENT": "test",
        "LOG_FORMAT": "json",  # one JSON access line per request: part of what is measured
        "LOG_LEVEL": "INFO",
        "DATABASE_URL": backing.database_url,
        "REDIS_URL": backing.redis_url,
        "REDIS_KEY_PREFIX": backing.key_prefix,
        "WORKERS": str(workers),
        "JWT_SECRET": secrets.token_urlsafe(48),
        "JWT_EXPIRE_MINUTES": "120",
        "RATE_LIMIT_PER_MINUTE": RATE_LIMIT_PER_MINUTE,
        "PROMETHEUS_MULTIPROC_DIR": str(log_dir / "prometheus"),  # as the Docker image sets
    }


def with_overrides(env: dict[str, str], overrides: list[str]) -> dict[str, str]:
    env = dict(env)
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--full-env wants KEY=VALUE, not {item!r}")
        if value:
            env[key] = value
        else:
            env.pop(key, None)
    return env


def seed(full: Server, backing: Backing) -> tuple[int, str]:
    """Sign up and log in through the full app (as an admin, for the export); cache the
    profile in Redis. (id, token)."""
    email = f"bench-{uuid.uuid4().hex[:10]}@example.com"
    password = f"Bench-{secrets.token_hex(8)}-9"
    user = httpx.post(
        f"{full.url}/users", json={"name": "Bench", "email": email, "password": password}
    )
    user.raise_for_status()
    backing.execute(
        "UPDATE users SET role = 'admin', email_verified_at = now() WHERE id = $1",
        user.json()["id"],
    )
    login = httpx.post(f"{full.url}/auth/login", json={"email": email, "password": password})
    login.raise_for_status()
    backing.redis.set(backing.key_prefix + ":".join(PROFILE_KEY), orjson.dumps(user.json()))
    # example-shop:begin
    backing.execute(PRODUCTS)
    # The full app caches what it reads (services/cache_service.py); the bare app reads the
    # same JSON from a key of its own, as a hand-made cache would.
    for key, path in cached_paths():
        answer = httpx.get(full.url + path)
        answer.raise_for_status()
        backing.redis.set(backing.key_prefix + ":".join(key), answer.text)
    # example-shop:end
    return int(user.json()["id"]), str(login.json()["access_token"])


def check(servers: list[Server], user_id: int, headers: dict[str, str]) -> None:
    """Each endpoint answers 200 on both apps, and /users/me the same fields of the same user."""
    fields = []
    for server in servers:
        for _, path, auth in ENDPOINTS:
            response = httpx.get(server.url + path, headers=headers if auth else {})
            if response.status_code != 200:
                raise SystemExit(f"{server.name} {path}: {response.status_code} {response.text}")
        me = httpx.get(server.url + "/users/me", headers=headers).json()
        if me["id"] != user_id:
            raise SystemExit(f"{server.name} /users/me: {me}")
        fields.append(sorted(me))
    if fields[0] != fields[1]:
        print(f"warning: /users/me fields differ: {fields}", file=sys.stderr)


def measure(servers: list[Server], args: argparse.Namespace, headers: dict[str, str]) -> list[Row]:
    """Endpoint by endpoint, each app in turn (who goes first alternates between rounds),
    a warm-up run before each in the first round. Per app and endpoint: the run with the
    median req/s. Interleaving keeps a slower minute of a shared machine from landing on
    one app only."""
    drive: Callable[[str, wrk.Load, dict[str, str]], wrk.Result] = (
        wrk.run if args.load_generator == "wrk" else loadgen.run
    )
    warm = wrk.Load(args.threads, args.connections, args.warmup)
    load = wrk.Load(args.threads, args.connections, args.duration)
    runs: dict[tuple[str, str], list[wrk.Result]] = {}
    for round_ in range(args.rounds):
        for label, path, auth in ENDPOINTS:
            for server in servers if round_ % 2 == 0 else servers[::-1]:
                sent = headers if auth else {}
                if args.warmup > 0 and round_ == 0:
                    drive(server.url + path, warm, sent)
                result = drive(server.url + path, load, sent)
                runs.setdefault((label, server.name), []).append(result)
                progress(server.name, label, result)

    def median(results: list[wrk.Result]) -> wrk.Result:
        return sorted(results, key=lambda r: r.rps)[len(results) // 2]

    rows = []
    for label, _, _ in ENDPOINTS:
        full, bare = runs[label, "full"], runs[label, "bare"]
        per_round = tuple(f.rps / b.rps for f, b in zip(full, bare, strict=True))
        rows.append(Row(label, median(full), median(bare), per_round))
    return rows


def progress(name: str, label: str, r: wrk.Result) -> None:
    print(
        f"  {name} {label:42} {r.rps:8.0f} req/s  p50 {r.p50_ms:6.2f} ms  "
        f"p99 {r.p99_ms:6.2f} ms  errors {r.errors}",
        file=sys.stderr,
        flush=True,
    )


def access_lines(log_path: Path) -> int:
    with log_path.open("rb") as log:
        return sum(1 for line in log if b'"event":"request"' in line)


def _exit_on_signal(signum: int, _frame: Optional[FrameType]) -> None:
    raise SystemExit(128 + signum)  # runs the finally blocks: servers, database, keys


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    admin_url, redis_url = backing_url("DATABASE_URL"), backing_url("REDIS_URL")
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    args.load_generator = load_generator(args.load_generator)  # auto resolved: in the summary
    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="velithon-bench-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    backing = Backing(admin_url, redis_url)
    servers: list[Server] = []
    ok = False
    try:
        backing.open()
        env = server_env(backing, args.workers, log_dir)
        full_env = with_overrides(env, args.full_env)
        granian = str(Path(sys.executable).parent / "granian")
        bare_command = [granian, "--interface", "rsgi", "--loop", "uvloop", "--host", "127.0.0.1"]
        bare_command += ["--port", "{port}", "--workers", str(args.workers), "bench.bare_app:app"]
        full_command = [sys.executable, "-m", "scripts.serve", "bench.full_app:app"]
        servers = [
            Server(full_env, log_dir / "full.log", full_command, name="full"),
            Server(env, log_dir / "bare.log", bare_command, name="bare"),
        ]
        for server in servers:
            server.start()
        user_id, token = seed(servers[0], backing)
        headers = {"Authorization": f"Bearer {token}"}
        check(servers, user_id, headers)
        print(machine_summary(args), file=sys.stderr, flush=True)
        rows = measure(servers, args, headers)
        export = measure_export(servers[0], backing, token)  # example-shop:line
        for server in servers:
            server.stop()
        lines = access_lines(log_dir / "full.log")
        print(f"full app access log: {lines} request lines", file=sys.stderr)
        if not lines:
            print("warning: the full app wrote no access lines: its cost was not measured")
        print_table(rows, args)
        print(f"\n{export.report()}")  # example-shop:line
        ok = True
    finally:
        for server in servers:
            server.stop()
        backing.close()
        if ok and args.log_dir is None:
            shutil.rmtree(log_dir, ignore_errors=True)
        elif not ok:
            print(f"server logs kept in {log_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
