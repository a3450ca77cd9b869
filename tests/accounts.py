"""Creating accounts the way clients do: signup and login over HTTP."""

import uuid
from dataclasses import dataclass

import httpx

from tests import http

PASSWORD = "Correct-horse-9"


@dataclass
class Account:
    id: int
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def login(base_url: str, email: str, password: str = PASSWORD) -> httpx.Response:
    return http.post(f"{base_url}/auth/login", json={"email": email, "password": password})


def register(
    base_url: str, email: str = "", password: str = PASSWORD, name: str = "Test User"
) -> Account:
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    created = http.post(
        f"{base_url}/users", json={"name": name, "email": email, "password": password}
    )
    assert created.status_code == 201, created.text
    return sign_in(base_url, created.json()["id"], email, password)


def sign_in(base_url: str, user_id: int, email: str, password: str = PASSWORD) -> Account:
    response = login(base_url, email, password)
    assert response.status_code == 200, response.text
    tokens = response.json()
    return Account(user_id, email, password, tokens["access_token"], tokens["refresh_token"])
