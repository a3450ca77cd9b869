"""The best-practices guide's own TestUserEndpoints, run against this app.

The guide's fixtures use http.AsyncClient(app=app): that cannot work (Velithon is RSGI, and
httpx dropped `app=`). These are the same requests and assertions through the real server.
"""

from collections.abc import Iterator

import httpx
import pytest

from tests import http
from tests.accounts import register
from tests.server import Server


@pytest.fixture
def authenticated_client(server: Server) -> Iterator[httpx.Client]:
    account = register(server.url)  # the first user of a fresh database: id 1
    with http.Client(base_url=server.url, headers=account.headers) as client:
        yield client


class TestUserEndpoints:
    def test_create_user(self, client: httpx.Client) -> None:
        user_data = {"name": "Test User", "email": "test@example.com", "password": "SecurePass123"}
        response = client.post("/users", json=user_data)
        assert response.status_code == 201
        assert response.json()["email"] == user_data["email"]

    def test_get_user_unauthorized(self, client: httpx.Client) -> None:
        response = client.get("/users/1")
        assert response.status_code == 401

    def test_get_user_authorized(self, authenticated_client: httpx.Client) -> None:
        response = authenticated_client.get("/users/1")
        assert response.status_code == 200
