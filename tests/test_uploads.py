"""Product images over HTTP, against a server with 2 workers: every upload rule, and the
directory listed after each refusal (nothing may be left on disk)."""

import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests import http
from tests.accounts import Account
from tests.conftest import Database, StartServer
from tests.images import GIF, HTML, PDF, SCRIPT, multipart, png
from tests.server import ROOT, Server, clean_environ, free_port

LIMIT = 64 * 1024  # MAX_FILE_SIZE of the server under test
FRAMING = 16 * 1024  # config.UPLOAD_FRAMING_BYTES: what the request may add to the file
SERVE = [sys.executable, "-m", "scripts.serve"]
LAMP = {"sku": "LAMP-001", "name": "Desk lamp", "price": "19.99", "stock": 3}


@pytest.fixture
def srv(start_server: StartServer) -> Server:
    return start_server(WORKERS="2", MAX_FILE_SIZE=str(LIMIT))


@pytest.fixture
def product(srv: Server, admin: Account) -> dict[str, Any]:
    created = http.post(srv.url + "/products", json=LAMP, headers=admin.headers)
    assert created.status_code == 201, created.text
    return dict(created.json())


def files_in(directory: Path) -> set[str]:
    return {str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file()}


@pytest.fixture
def untouched(upload_dir: Path, db: Database) -> Iterator[None]:
    """The test must leave the upload directory and the images table as it found them."""
    before = files_in(upload_dir)
    yield
    assert files_in(upload_dir) == before
    assert db.fetchval("SELECT count(*) FROM product_images") == 0


def upload(
    srv: Server, product_id: int, filename: str, content: bytes, account: Account, **kw: Any
) -> httpx.Response:
    body, content_type = multipart(filename, content, **kw)
    return http.post(
        f"{srv.url}/products/{product_id}/images",
        content=body,
        headers={**account.headers, "content-type": content_type},
        timeout=10,
    )


def test_an_admin_uploads_and_anyone_downloads_from_either_worker(
    srv: Server, admin: Account, product: dict[str, Any], upload_dir: Path, db: Database
) -> None:
    image = png()
    response = upload(srv, product["id"], "lamp photo.PNG", image, admin)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["content_type"] == "image/png" and body["size"] == len(image)
    assert body["product_id"] == product["id"]
    assert response.headers["location"] == body["url"]
    name = body["url"].removeprefix("/uploads/")
    assert name == f"{body['id'].replace('-', '')}.png"  # a uuid, nothing of the client's name
    assert (upload_dir / name).read_bytes() == image
    assert not list((upload_dir / ".incoming").iterdir())
    for _ in range(8):  # spread over both workers
        got = http.get(srv.url + body["url"])
        assert got.status_code == 200 and got.content == image
        assert got.headers["content-type"] == "image/png"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-disposition"] == f'inline; filename="{name}"'
        assert "sandbox" in got.headers["content-security-policy"]
    db.execute("DELETE FROM product_images")
    (upload_dir / name).unlink()


def test_uploads_need_an_admin(
    srv: Server, user: Account, product: dict[str, Any], untouched: None
) -> None:
    body, content_type = multipart("a.png", png())
    url = f"{srv.url}/products/{product['id']}/images"
    anonymous = http.post(url, content=body, headers={"content-type": content_type})
    assert anonymous.status_code == 401
    assert upload(srv, product["id"], "a.png", png(), user).status_code == 403


@pytest.mark.parametrize(
    "filename",
    [
        "../escape.png",
        "../../../../tmp/escape.png",
        "/etc/cron.d/x.png",
        "..\\..\\win.png",
        "a/../../b.png",
        ".png",
        "x.png\u0000.txt.png",
        'ünïcödé "quoted".png',
    ],
)
def test_the_clients_file_name_never_touches_the_path(
    srv: Server,
    admin: Account,
    product: dict[str, Any],
    upload_dir: Path,
    db: Database,
    filename: str,
) -> None:
    before = files_in(upload_dir)
    response = upload(srv, product["id"], filename, png(), admin)
    if response.status_code == 201:
        name = response.json()["url"].removeprefix("/uploads/")
        assert files_in(upload_dir) - before == {name}
        (upload_dir / name).unlink()
        db.execute("DELETE FROM product_images")
    else:
        assert response.status_code == 415, response.text
    assert files_in(upload_dir) == before
    assert not (upload_dir.parent / "escape.png").exists()


@pytest.mark.parametrize("filename", ["logo.svg", "tool.exe", "page.html", "noextension", "a.pdf"])
def test_an_extension_not_allowed_is_415(
    srv: Server, admin: Account, product: dict[str, Any], untouched: None, filename: str
) -> None:
    response = upload(srv, product["id"], filename, png(), admin)
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert ".png" in response.json()["detail"]


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("fake.png", PDF),
        ("fake.png", HTML),
        ("fake.png", SCRIPT),
        ("fake.jpg", png()),
        ("fake.gif", png()),
        ("fake.png", GIF),
        ("fake.png", b"\x89PNG but not really"),
    ],
)
def test_content_that_is_not_what_the_extension_says_is_415(
    srv: Server,
    admin: Account,
    product: dict[str, Any],
    untouched: None,
    filename: str,
    content: bytes,
) -> None:
    response = upload(srv, product["id"], filename, content, admin)
    assert response.status_code == 415, response.text
    assert "content" in response.json()["detail"]


def test_the_stored_type_is_the_sniffed_one(
    srv: Server, admin: Account, product: dict[str, Any], upload_dir: Path, db: Database
) -> None:
    response = upload(srv, product["id"], "spinner.gif", GIF, admin)  # sent as image/png
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == "image/gif"
    assert http.get(srv.url + response.json()["url"]).headers["content-type"] == "image/gif"
    (upload_dir / response.json()["url"].removeprefix("/uploads/")).unlink()
    db.execute("DELETE FROM product_images")


def test_a_file_of_exactly_the_limit_is_taken_and_one_byte_more_is_413(
    srv: Server, admin: Account, product: dict[str, Any], upload_dir: Path, db: Database
) -> None:
    image = png()
    exact = image + b"\x00" * (LIMIT - len(image))  # trailing bytes: still a PNG to libmagic
    response = upload(srv, product["id"], "big.png", exact, admin)
    assert response.status_code == 201, response.text
    (upload_dir / response.json()["url"].removeprefix("/uploads/")).unlink()
    db.execute("DELETE FROM product_images")
    before = files_in(upload_dir)
    over = upload(srv, product["id"], "big.png", exact + b"\x00", admin)
    assert over.status_code == 413, over.text
    assert over.headers["content-type"] == "application/problem+json"
    assert files_in(upload_dir) == before
    assert db.fetchval("SELECT count(*) FROM product_images") == 0


def raw_request(srv: Server, head: str, body: bytes = b"", close: bool = True) -> bytes:
    """Send `head` (and `body`), read what comes back within 5 s."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as sock:
        sock.sendall(head.encode() + body)
        if not close:
            return b""
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received:
                    break
        except TimeoutError:
            pass
        return received


def test_a_declared_length_over_the_limit_is_413_before_the_body_is_read(
    srv: Server, admin: Account, product: dict[str, Any], untouched: None
) -> None:
    started = time.monotonic()
    answer = raw_request(
        srv,
        f"POST /products/{product['id']}/images HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: {admin.headers['Authorization']}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {LIMIT + FRAMING + 1}\r\n\r\n",
    )  # no body at all: a server that read it first would wait for it
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 4


def test_a_body_without_a_length_is_counted_as_it_arrives(
    srv: Server, admin: Account, product: dict[str, Any], untouched: None
) -> None:
    body, content_type = multipart("big.png", png() + b"\x00" * (LIMIT - len(png()) + 1))

    def chunked() -> Iterator[bytes]:
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    response = http.post(
        f"{srv.url}/products/{product['id']}/images",
        content=chunked(),
        headers={**admin.headers, "content-type": content_type},
        timeout=10,
    )
    assert response.status_code == 413, response.text


def test_a_body_without_a_length_is_refused_past_the_request_limit_whatever_it_holds(
    srv: Server, admin: Account, product: dict[str, Any], untouched: None
) -> None:
    """Fields other than the file count too: the middleware counts the body's bytes."""
    padding = (
        b'--b0undary-7e5f\r\nContent-Disposition: form-data; name="note"\r\n\r\n'
        + b"x" * (LIMIT + FRAMING)
        + b"\r\n"
    )
    body, content_type = multipart("small.png", png())
    response = http.post(
        f"{srv.url}/products/{product['id']}/images",
        content=iter([padding, body]),
        headers={**admin.headers, "content-type": content_type},
        timeout=10,
    )
    assert response.status_code == 413, response.text


def test_an_interrupted_upload_leaves_nothing(
    srv: Server, admin: Account, product: dict[str, Any], upload_dir: Path, db: Database
) -> None:
    before = files_in(upload_dir)
    body, content_type = multipart("half.png", png() + b"\x00" * (LIMIT // 2))
    request_ids = [f"interrupted-{uuid.uuid4().hex}" for _ in range(4)]  # on both workers
    for request_id in request_ids:
        raw_request(
            srv,
            f"POST /products/{product['id']}/images HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: {admin.headers['Authorization']}\r\nX-Request-ID: {request_id}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n",
            body[: len(body) // 2],
            close=False,
        )  # the client goes away in the middle of the file
    for request_id in request_ids:  # each request is over (its staged file goes before that)
        srv.wait_for_log(request_id)
    assert files_in(upload_dir) == before
    assert db.fetchval("SELECT count(*) FROM product_images") == 0
    assert http.get(srv.url + "/health").status_code == 200  # the workers are fine


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"file": "x"}', "application/json", 415),
        (b"", "multipart/form-data", 400),  # no boundary
        (b"--b\r\nnot a part\r\n\r\n", "multipart/form-data; boundary=b", 400),
        (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG',
            "multipart/form-data; boundary=b",
            400,
        ),  # no closing boundary
        (
            b'--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
            422,
        ),  # no file field
        (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
            b"\r\n--b--\r\n",
            "multipart/form-data; boundary=b",
            422,
        ),  # an empty file
    ],
)
def test_what_is_not_one_file_in_multipart_is_refused(
    srv: Server,
    admin: Account,
    product: dict[str, Any],
    untouched: None,
    body: bytes,
    content_type: str,
    status: int,
) -> None:
    response = http.post(
        f"{srv.url}/products/{product['id']}/images",
        content=body,
        headers={**admin.headers, "content-type": content_type},
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_two_files_in_one_request_are_422(
    srv: Server, admin: Account, product: dict[str, Any], untouched: None
) -> None:
    one, content_type = multipart("a.png", png())
    two = one.replace(b"--b0undary-7e5f--\r\n", b"") + one
    response = http.post(
        f"{srv.url}/products/{product['id']}/images",
        content=two,
        headers={**admin.headers, "content-type": content_type},
    )
    assert response.status_code == 422, response.text


def test_no_such_or_archived_product_is_404(
    srv: Server, admin: Account, product: dict[str, Any], untouched: None
) -> None:
    assert upload(srv, 999999, "a.png", png(), admin).status_code == 404
    http.delete(f"{srv.url}/products/{product['id']}", headers=admin.headers)
    assert upload(srv, product["id"], "a.png", png(), admin).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/uploads/../config.py",
        "/uploads/%2e%2e%2fconfig.py",
        "/uploads/..%2f..%2fetc%2fpasswd",
        "/uploads/%2e%2e/%2e%2e/etc/passwd",
        "/uploads//etc/passwd",
        "/uploads/%2Fetc%2Fpasswd",
        "/uploads/.incoming",
        "/uploads/planted.png",
        f"/uploads/{'a' * 32}.png",
        "/uploads/",
    ],
)
def test_downloads_never_leave_the_stored_files(srv: Server, upload_dir: Path, path: str) -> None:
    (upload_dir / "planted.png").write_bytes(png())  # on disk, but no upload of ours
    (upload_dir / f"{'a' * 32}.png").write_bytes(png())
    try:
        response = http.get(srv.url + path)
    finally:
        (upload_dir / "planted.png").unlink()
        (upload_dir / f"{'a' * 32}.png").unlink()
    assert response.status_code in (400, 404), (path, response.status_code)
    assert b"PNG" not in response.content and b"root:" not in response.content
    assert b"BaseSettings" not in response.content


@pytest.mark.parametrize("path", ["/uploads/%00", "/uploads/x%00.png", "/uploads/%00/../x"])
def test_a_nul_in_the_name_is_422_as_in_every_path(srv: Server, path: str) -> None:
    """The app-wide rule for NUL in any string (docs/reliability.md), before any lookup."""
    response = http.get(srv.url + path)
    assert response.status_code in (404, 422), response.text
    if response.status_code == 422:
        assert response.json()["errors"][0]["loc"] == ["path", "name"]


def serve_output(tmp_path: Path, **env: str) -> tuple[int, str]:
    settings = {
        "ENV_FILE": "",
        "PORT": str(free_port()),
        "HOST": "127.0.0.1",
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "REDIS_URL": "redis://127.0.0.1:1",
        "STARTUP_WAIT": "0",
        "UPLOAD_PATH": str(tmp_path / "uploads"),
        **env,
    }
    result = subprocess.run(
        SERVE,
        cwd=ROOT,
        env={**clean_environ(), **settings},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    # Every problem of the start is named, one line each: the databases here are nowhere too
    # (checked once the settings themselves are valid).
    first, *others = output.strip().splitlines()
    assert [line.split(":")[0] for line in others] in ([], ["DATABASE_URL", "REDIS_URL"]), output
    return result.returncode, first


@pytest.mark.no_backing
def test_without_libmagic_the_start_stops_naming_the_package(tmp_path: Path) -> None:
    # python-magic raises exactly this when it cannot load libmagic (magic/loader.py).
    fake = tmp_path / "no-libmagic" / "magic"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "raise ImportError('failed to find libmagic.  Check your installation')\n"
    )
    code, output = serve_output(tmp_path, PYTHONPATH=str(fake.parent))
    assert code != 0 and len(output.splitlines()) == 1, output
    assert "libmagic1" in output and "apt-get install libmagic1" in output


@pytest.mark.no_backing
@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"ALLOWED_EXTENSIONS": ".png,.svg"}, "ALLOWED_EXTENSIONS"),
        ({"ALLOWED_EXTENSIONS": ""}, "ALLOWED_EXTENSIONS"),
        ({"MAX_FILE_SIZE": "0"}, "MAX_FILE_SIZE"),
        ({"UPLOAD_PATH": "/proc/uploads"}, "UPLOAD_PATH"),
    ],
)
def test_an_upload_setting_that_cannot_work_stops_the_start_naming_it(
    tmp_path: Path, env: dict[str, str], setting: str
) -> None:
    code, output = serve_output(tmp_path, **env)
    assert code != 0 and len(output.splitlines()) == 1, output
    assert setting in output
