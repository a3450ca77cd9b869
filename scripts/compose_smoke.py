"""`make compose-smoke`: build the image, bring the compose stack up, check it, stop the app with
SIGTERM, tear everything down. Needs a Docker API (DOCKER_HOST). Exits non-zero on any failure
and says at which step.

The stack runs in production mode with freshly generated secrets, under a unique project name,
on an unusual host port, so it never meets a stack a developer is running.
"""

import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from config import PROJECT_SLUG

ROOT = Path(__file__).resolve().parent.parent
PROJECT = f"vsmoke{os.getpid()}"
PORT = 18000 + os.getpid() % 1000
IMAGE = f"{PROJECT_SLUG}:compose-smoke"
GRACE_SECONDS = 20  # compose.yaml's stop_grace_period for the app
SMOKE_GIF = (  # example-shop:begin
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)  # example-shop:end


class SmokeFailure(Exception):
    pass


def expect(condition: object, message: object) -> None:
    if not condition:
        raise SmokeFailure(str(message))


def run(*args: str, capture: bool = False) -> str:
    result = subprocess.run(
        args, cwd=ROOT, check=True, text=True, stdout=subprocess.PIPE if capture else None
    )
    return result.stdout if capture else ""


def compose(*args: str, capture: bool = False) -> str:
    return run("docker", "compose", "-p", PROJECT, *args, capture=capture)


@contextmanager
def step(name: str) -> Iterator[None]:
    print(f"== {name}", flush=True)
    try:
        yield
    except Exception as exc:
        print(f"FAILED at step '{name}': {type(exc).__name__}: {exc}", flush=True)
        raise


def production_env_file(directory: Path) -> Path:
    path = directory / "smoke.env"
    path.write_text(
        "ENVIRONMENT=production\n"
        f"SECRET_KEY={secrets.token_urlsafe(48)}\n"
        f"JWT_SECRET={secrets.token_urlsafe(48)}\n"
        "WORKERS=2\n"
        "LOG_LEVEL=INFO\n"
    )
    return path


def get(path: str, **kwargs: Any) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{PORT}{path}", timeout=10, **kwargs)


def check_health() -> None:
    response = get("/health")
    body = response.json()
    expect(response.status_code == 200, f"/health answered {response.status_code}: {body}")
    expect(body["database"] == "healthy" and body["redis"] == "healthy", body)
    print(f"   /health: {body}")


def check_users() -> str:
    base = f"http://127.0.0.1:{PORT}"
    user = {"name": "Smoke", "email": f"smoke{PORT}@example.com", "password": "Smoke-pass-123"}
    created = httpx.post(base + "/users", json=user, timeout=10)
    expect(created.status_code == 201, f"signup: {created.status_code} {created.text}")
    # Its verification e-mail goes to the mail sink; the link is not followed here: the account
    # is marked verified directly, so it may use the whole API (UNVERIFIED_ACCOUNTS=limited).
    user_id = int(created.json()["id"])
    psql(f"UPDATE users SET email_verified_at = now() WHERE id = {user_id}")  # noqa: S608 (an int)
    login = httpx.post(
        base + "/auth/login",
        json={"email": user["email"], "password": user["password"]},
        timeout=10,
    )
    expect(login.status_code == 200, f"login: {login.status_code} {login.text}")
    expect(login.json()["access_token"], "login returned no access token")
    print("   signed up and logged in")
    return str(login.json()["access_token"])


def psql(statement: str) -> str:
    """One statement in the stack's database, as its owner; what it printed."""
    command = ("exec", "-T", "postgres", "psql", "-U", "app", "-d", "app", "-qtAc", statement)
    return compose(*command, capture=True).strip()


def check_profile(token: str) -> None:
    me = httpx.get(
        f"http://127.0.0.1:{PORT}/users/me",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    expect(me.status_code == 200, f"/users/me: {me.status_code} {me.text}")
    expect(me.json()["email"] == f"smoke{PORT}@example.com", f"/users/me: {me.text}")


# example-shop:begin
def check_order_is_mailed(token: str) -> None:
    """An order, and its confirmation through the worker service to the mail sink."""
    product = psql(
        "INSERT INTO products (sku, name, price, stock) VALUES ('SMOKE-1', 'Smoke', 1.50, 5) "
        "RETURNING id"
    )
    body = {"items": [{"product_id": int(product), "quantity": 2}]}
    placed = httpx.post(
        f"http://127.0.0.1:{PORT}/orders",
        json=body,
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
    )
    expect(placed.status_code == 201, f"order: {placed.status_code} {placed.text}")
    subject = f"Subject: Your order {placed.json()['id']}"
    deadline = time.monotonic() + 30
    while subject not in compose("logs", "mail", capture=True):
        expect(time.monotonic() < deadline, f"no {subject!r} in the mail sink's log")
        time.sleep(0.5)
    print(f"   order {placed.json()['id']} placed, its confirmation reached the mail sink")


def check_upload(paths: dict[str, Any]) -> None:
    """An admin's image upload is sniffed by the image's libmagic, lands on the uploads volume
    (writable by the app's user) and is served back."""
    expect("/products/{product_id}/images" in paths, "no image upload route in /openapi.json")
    email = f"smoke{PORT}@example.com"
    compose("exec", "-T", "app", "python", "-m", "scripts.create_admin", "--email", email)
    base = f"http://127.0.0.1:{PORT}"
    login = httpx.post(
        base + "/auth/login", json={"email": email, "password": "Smoke-pass-123"}, timeout=10
    )
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    product = httpx.post(
        base + "/products",
        json={"sku": "SMOKE-IMG", "name": "Smoke image", "price": "1.00"},
        headers=auth,
        timeout=10,
    )
    expect(product.status_code == 201, f"product: {product.status_code} {product.text}")
    upload = httpx.post(
        f"{base}/products/{product.json()['id']}/images",
        headers=auth,
        timeout=10,
        files={"file": ("smoke.gif", SMOKE_GIF, "image/gif")},
    )
    expect(upload.status_code == 201, f"upload: {upload.status_code} {upload.text}")
    served = get(upload.json()["url"])
    expect(served.status_code == 200 and served.content == SMOKE_GIF, f"download: {served}")
    expect(served.headers["content-type"] == "image/gif", served.headers)
    listing = compose("exec", "-T", "app", "ls", "/app/uploads", capture=True).split()
    expect(upload.json()["url"].rsplit("/", 1)[1] in listing, f"not on the volume: {listing}")
    print(f"   uploaded and served {upload.json()['url']} from the uploads volume")
    # example-shop:end


def check_no_template_files() -> None:
    """.dockerignore keeps copier's files (copier.yml, template/, every *.jinja) out of /app."""
    found = run(
        "docker",
        "run",
        "--rm",
        "--entrypoint",
        "find",
        IMAGE,
        "/app",
        "-name",
        "*.jinja",
        "-o",
        "-name",
        "copier.yml",
        "-o",
        "-path",
        "/app/template",
        capture=True,
    ).split()
    expect(found == [], f"template files in the image: {found[:5]}")


def check_metrics(paths: dict[str, Any]) -> None:
    response = get("/metrics")
    if response.status_code in (401, 404) and "/metrics" not in paths:
        print("   skipped: /metrics is not built yet (no such route)")
        return
    expect(response.status_code == 200, f"/metrics answered {response.status_code}")
    expect("http_requests_total" in response.text, "no http_requests_total in /metrics")
    print("   /metrics served")


def check_failing_migrate_says_why() -> None:
    """A wrong database password: `docker compose` output carries migrate's one line, never
    the password."""
    wrong = "Wrong-pass-" + secrets.token_hex(4)
    url = f"postgresql://app:{wrong}@postgres:5432/app?sslmode=disable"
    result = subprocess.run(
        ["docker", "compose", "-p", PROJECT, "run", "--rm", "-e", f"DATABASE_URL={url}", "migrate"],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = result.stdout
    expect(result.returncode != 0, f"migrate with a wrong password exited 0:\n{output}")
    expect("DATABASE_URL:" in output and "is refused" in output, f"no reason given:\n{output}")
    expect(wrong not in output, "the password reached the output")
    expect("Traceback" not in output, f"a traceback:\n{output}")
    print(f"   {output.strip().splitlines()[-1]}")


def check_published_on_loopback_only() -> None:
    ports = compose("port", "app", "8000", capture=True).strip()
    expect(ports.startswith("127.0.0.1:"), f"the app is published on {ports}, not loopback")
    print(f"   published on {ports}")


def stop_with_sigterm() -> None:
    """`docker stop` sends SIGTERM and, after the grace period, SIGKILL (exit code 137). Unlike
    `docker kill -s TERM`, it also keeps the restart policy from starting the app again."""
    container = compose("ps", "-q", "app", capture=True).strip()
    expect(container, "no app container")
    started = time.monotonic()
    run("docker", "stop", "--time", str(GRACE_SECONDS), container)
    elapsed = time.monotonic() - started
    code = int(run("docker", "inspect", "--format", "{{.State.ExitCode}}", container, capture=True))
    expect(code == 0, f"app exited with {code} after SIGTERM ({elapsed:.1f}s)")
    expect(elapsed < GRACE_SECONDS, f"app needed {elapsed:.1f}s to stop")
    print(f"   app stopped {elapsed:.1f}s after SIGTERM with exit code 0")


def stop_each_service() -> None:
    """`docker compose down` is quick only if every service stops on its stop signal: one
    that ignores it is killed after the grace period (exit 137; the mail sink did, 10 s)."""
    for service in ("worker", "mail", "redis", "postgres"):
        container = compose("ps", "-q", service, capture=True).strip()
        expect(container, f"no {service} container")
        started = time.monotonic()
        run("docker", "stop", "--time", "10", container)
        elapsed = time.monotonic() - started
        state = "{{.State.ExitCode}}"
        code = int(run("docker", "inspect", "--format", state, container, capture=True))
        expect(code != 137, f"{service} was killed after {elapsed:.1f}s (exit 137)")
        expect(elapsed < 5, f"{service} needed {elapsed:.1f}s to stop")
        print(f"   {service} stopped {elapsed:.1f}s after its stop signal (exit code {code})")


def main() -> int:
    try:
        run("docker", "version", "--format", "{{.Server.Version}}", capture=True)
    except (OSError, subprocess.CalledProcessError):
        print("compose-smoke: no working Docker API (set DOCKER_HOST)", file=sys.stderr)
        return 2
    env_dir = Path(tempfile.mkdtemp(prefix="compose-smoke-"))
    os.environ.update(
        APP_PORT=str(PORT), APP_IMAGE=IMAGE, APP_ENV_FILE=str(production_env_file(env_dir))
    )
    failed = False
    try:
        with step("build the image"):
            started = time.monotonic()
            compose("build", "app", "mail")
            size = int(
                run("docker", "image", "inspect", "--format", "{{.Size}}", IMAGE, capture=True)
            )
            print(f"   built in {time.monotonic() - started:.0f}s, image size {size / 1e6:.0f} MB")
        with step("the image holds no copier twin (*.jinja) and no template machinery"):
            check_no_template_files()
        with step(f"start the stack (project {PROJECT}, port {PORT}) and wait until healthy"):
            started = time.monotonic()
            compose("up", "-d", "--wait", "--wait-timeout", "180")
            print(f"   healthy {time.monotonic() - started:.1f}s after `up`")
        with step("GET /health"):
            check_health()
        paths = get("/openapi.json").json().get("paths", {})
        with step("sign up and log in"):
            token = check_users()
        with step("the token works: GET /users/me"):
            check_profile(token)
        # example-shop:begin
        with step("an order's confirmation goes through the worker to the mail sink"):
            check_order_is_mailed(token)
        with step("an admin uploads an image, served from the uploads volume"):
            check_upload(paths)
        # example-shop:end
        with step("GET /metrics"):
            check_metrics(paths)
        with step("the app is published on loopback only (APP_BIND)"):
            check_published_on_loopback_only()
        with step("a migrate that fails says why, without the password"):
            check_failing_migrate_says_why()
        with step("SIGTERM stops the app gracefully"):
            stop_with_sigterm()
        with step("every other service stops at once on its stop signal"):
            stop_each_service()
    except Exception:
        failed = True
        subprocess.run(["docker", "compose", "-p", PROJECT, "logs", "--tail", "60"], cwd=ROOT)
    finally:
        with step("tear down (containers, networks, volumes)"):
            compose("down", "-v", "--remove-orphans")
        (env_dir / "smoke.env").unlink(missing_ok=True)
        env_dir.rmdir()
    print("compose-smoke: FAILED" if failed else "compose-smoke: passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
