"""Request size: 413 from Content-Length before reading, and for chunked bodies past the limit."""

from collections.abc import Iterator

import httpx
import pytest

from tests import http
from tests.conftest import Database, StartServer
from tests.server import Server

LIMIT = 2048


@pytest.fixture
def small(start_server: StartServer) -> Server:
    return start_server(MAX_REQUEST_SIZE=str(LIMIT))


def chunks(total: int, size: int = 512) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b" " * piece


def test_declared_length_over_the_limit_is_413(small: Server, db: Database) -> None:
    body = b'{"name": "' + b"x" * LIMIT + b'"}'
    response = http.post(
        small.url + "/users", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert db.fetchval("SELECT count(*) FROM users") == 0


def test_chunked_body_growing_past_the_limit_is_413(small: Server) -> None:
    response = http.post(
        small.url + "/users",
        content=chunks(LIMIT * 4),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_bodies_within_the_limit_pass_chunked_or_not(small: Server) -> None:
    body = b'{"name": "Ada", "email": "ada@example.com", "password": "Analytical1"}'
    assert (
        http.post(
            small.url + "/users", content=body, headers={"content-type": "application/json"}
        ).status_code
        == 201
    )
    chunked = http.post(
        small.url + "/users",
        content=iter([body.replace(b"ada@", b"lovelace@")]),
        headers={"content-type": "application/json"},
    )
    assert chunked.status_code == 201


def test_nonsense_content_length_is_400(small: Server) -> None:
    with http.Client() as client:
        request = client.build_request("POST", small.url + "/users", content=b"{}")
        request.headers["content-length"] = "abc"
        try:
            response = client.send(request)
        except httpx.HTTPError:
            return  # refused by the HTTP server itself, which is fine too
        assert response.status_code in (400, 413)
