"""Admin routes: role admin only; listing with pagination and filters; role and active flag."""

import os
import subprocess
import sys

import pytest

from tests import http
from tests.accounts import Account, login, register
from tests.conftest import Database, clean_environ
from tests.server import ROOT, Server


def test_admin_routes_need_the_admin_role(server: Server, user: Account) -> None:
    assert http.get(server.url + "/admin/users").status_code == 401
    assert http.get(server.url + "/admin/users", headers=user.headers).status_code == 403
    patch = http.patch(
        f"{server.url}/admin/users/{user.id}", json={"role": "admin"}, headers=user.headers
    )
    assert patch.status_code == 403


def test_list_users_paginates_and_filters(server: Server, admin: Account) -> None:
    for name in ("Alice", "Bob", "Carol", "Dave"):
        register(server.url, email=f"{name.lower()}@example.com", name=name)

    def page(**params: str | int) -> dict:
        response = http.get(server.url + "/admin/users", params=params, headers=admin.headers)
        assert response.status_code == 200, response.text
        return response.json()

    everyone = page()
    assert everyone["total"] == 5 and len(everyone["items"]) == 5
    assert (everyone["limit"], everyone["offset"]) == (20, 0)
    first, second = page(limit=2, offset=0), page(limit=2, offset=2)
    assert [u["id"] for u in first["items"] + second["items"]] == [
        u["id"] for u in everyone["items"][:4]
    ]
    assert page(limit=2, offset=100) == {"items": [], "total": 5, "limit": 2, "offset": 100}
    assert [u["name"] for u in page(role="admin")["items"]] == ["Admin"]
    assert [u["name"] for u in page(q="CAR")["items"]] == ["Carol"]
    assert page(q="%")["total"] == 0  # LIKE wildcards are matched literally
    assert page(is_active="false")["total"] == 0
    assert all("password_hash" not in u for u in everyone["items"])


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"offset": -1}, {"role": "root"}]
)
def test_bad_list_parameters_are_422(server: Server, admin: Account, params: dict) -> None:
    response = http.get(server.url + "/admin/users", params=params, headers=admin.headers)
    assert response.status_code == 422


def test_promotion_takes_effect_at_the_next_login(server: Server, admin: Account) -> None:
    user = register(server.url)
    response = http.patch(
        f"{server.url}/admin/users/{user.id}", json={"role": "admin"}, headers=admin.headers
    )
    assert response.status_code == 200 and response.json()["role"] == "admin"
    # The old token carries the old role: it is revoked rather than left to disagree.
    assert http.get(server.url + "/users/me", headers=user.headers).status_code == 401
    token = login(server.url, user.email).json()["access_token"]
    listing = http.get(server.url + "/admin/users", headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200


def test_deactivation_ends_login_and_refresh(server: Server, admin: Account) -> None:
    user = register(server.url)
    url = f"{server.url}/admin/users/{user.id}"
    assert http.patch(url, json={"is_active": False}, headers=admin.headers).status_code == 200
    assert login(server.url, user.email).status_code == 401
    refresh = http.post(server.url + "/auth/refresh", json={"refresh_token": user.refresh_token})
    assert refresh.status_code == 401
    assert http.patch(url, json={"is_active": True}, headers=admin.headers).status_code == 200
    assert login(server.url, user.email).status_code == 200


@pytest.mark.parametrize(
    "body", [{}, {"role": "root"}, {"is_active": "maybe"}, {"email": "x@example.com"}]
)
def test_bad_admin_updates_are_422_and_change_nothing(
    server: Server, admin: Account, db: Database, body: dict
) -> None:
    user = register(server.url)
    before = db.fetch("SELECT * FROM users WHERE id = $1", user.id)
    url = f"{server.url}/admin/users/{user.id}"
    assert http.patch(url, json=body, headers=admin.headers).status_code == 422
    assert db.fetch("SELECT * FROM users WHERE id = $1", user.id) == before


def test_unknown_user_is_404_and_admins_cannot_demote_themselves(
    server: Server, admin: Account
) -> None:
    unknown = http.patch(
        f"{server.url}/admin/users/999999", json={"role": "user"}, headers=admin.headers
    )
    assert unknown.status_code == 404
    itself = http.patch(
        f"{server.url}/admin/users/{admin.id}", json={"role": "user"}, headers=admin.headers
    )
    assert itself.status_code == 403


def test_create_admin_command(server: Server, database_url: str, app_env: dict) -> None:
    env = {**clean_environ(), **app_env, "ADMIN_PASSWORD": "First-admin-1"}
    command = [sys.executable, "-m", "scripts.create_admin", "--email", "root@example.com"]
    created = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert created.returncode == 0, created.stderr
    assert "First-admin-1" not in created.stdout + created.stderr
    token = login(server.url, "root@example.com", "First-admin-1").json()["access_token"]
    listing = http.get(server.url + "/admin/users", headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200

    user = register(server.url)  # promoting an existing account keeps its password
    promote = subprocess.run(
        [sys.executable, "-m", "scripts.create_admin", "--email", user.email],
        cwd=ROOT,
        env={k: v for k, v in env.items() if k != "ADMIN_PASSWORD"},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert promote.returncode == 0, promote.stderr
    assert login(server.url, user.email).status_code == 200

    weak = subprocess.run(
        [*command[:-1], "new@example.com"],
        cwd=ROOT,
        env={**env, "ADMIN_PASSWORD": "weak"},
        capture_output=True,
        text=True,
    )
    assert weak.returncode != 0 and "password" in weak.stderr.lower()
    assert os.environ.get("ADMIN_PASSWORD") is None
