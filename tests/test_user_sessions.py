"""Sessions a user can see and end, and an admin's "end them all", through a server with two
workers (ending must hold at once on both) and the default UNVERIFIED_ACCOUNTS (limited: an
unverified account may manage its sessions)."""

import uuid

from tests import http
from tests.accounts import PASSWORD, Account, register
from tests.conftest import StartServer
from tests.server import Server


def two_workers(start_server: StartServer) -> Server:
    return start_server(WORKERS="2", UNVERIFIED_ACCOUNTS="limited")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def log_in(srv: Server, account: Account, agent: str) -> dict[str, str]:
    response = http.post(
        srv.url + "/auth/login",
        json={"email": account.email, "password": PASSWORD},
        headers={"User-Agent": agent},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def refused_everywhere(srv: Server, pair: dict[str, str]) -> bool:
    """The pair's access token is refused by both workers (a few tries) and its refresh too."""
    refused = all(
        http.get(srv.url + "/users/me", headers=bearer(pair["access_token"])).status_code == 401
        for _ in range(4)
    )
    refresh = http.post(srv.url + "/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    return refused and refresh.status_code == 401


def works(srv: Server, pair: dict[str, str]) -> bool:
    return http.get(srv.url + "/users/me", headers=bearer(pair["access_token"])).status_code == 200


def test_a_user_sees_their_sessions_with_the_current_one_marked(
    start_server: StartServer,
) -> None:
    srv = two_workers(start_server)
    account = register(srv.url)
    laptop = log_in(srv, account, "Laptop/1.0")
    phone = log_in(srv, account, "Phone/2.0")
    listed = http.get(srv.url + "/auth/sessions", headers=bearer(laptop["access_token"]))
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert len(items) == 3  # register()'s own login, the laptop, the phone: newest first
    assert [i["user_agent"] for i in items[:2]] == ["Phone/2.0", "Laptop/1.0"]
    assert [i["current"] for i in items] == [False, True, False]
    assert {i["client_ip"] for i in items} == {"127.0.0.1"}
    assert all(i["created_at"] and i["last_used_at"] for i in items)
    assert set(items[0]) == {
        "id",
        "created_at",
        "last_used_at",
        "client_ip",
        "user_agent",
        "current",
    }
    # A refresh counts as use.
    before = items[0]["last_used_at"]
    fresh = http.post(srv.url + "/auth/refresh", json={"refresh_token": phone["refresh_token"]})
    assert fresh.status_code == 200
    again = http.get(srv.url + "/auth/sessions", headers=bearer(laptop["access_token"])).json()
    assert again["items"][0]["last_used_at"] > before
    # Nothing secret in it.
    for secret in (laptop["refresh_token"], phone["refresh_token"], account.refresh_token):
        assert secret not in listed.text


def test_ending_one_session_holds_at_once_and_only_for_your_own(
    start_server: StartServer,
) -> None:
    srv = two_workers(start_server)
    account = register(srv.url)
    phone = log_in(srv, account, "Phone/2.0")
    phone_id = next(
        i["id"]
        for i in http.get(srv.url + "/auth/sessions", headers=account.headers).json()["items"]
        if i["user_agent"] == "Phone/2.0"
    )
    stranger = register(srv.url)
    foreign = http.delete(f"{srv.url}/auth/sessions/{phone_id}", headers=stranger.headers)
    assert foreign.status_code == 404 and works(srv, phone)
    ended = http.delete(f"{srv.url}/auth/sessions/{phone_id}", headers=account.headers)
    assert ended.status_code == 204
    assert refused_everywhere(srv, phone)
    assert http.get(srv.url + "/users/me", headers=account.headers).status_code == 200
    ids = [
        i["id"]
        for i in http.get(srv.url + "/auth/sessions", headers=account.headers).json()["items"]
    ]
    assert phone_id not in ids and len(ids) == 1
    again = http.delete(f"{srv.url}/auth/sessions/{phone_id}", headers=account.headers)
    assert again.status_code == 404
    assert (
        http.delete(f"{srv.url}/auth/sessions/{uuid.uuid4()}", headers=account.headers).status_code
        == 404
    )
    assert (
        http.delete(f"{srv.url}/auth/sessions/not-a-uuid", headers=account.headers).status_code
        == 422
    )


def test_ending_all_other_sessions_keeps_this_one(start_server: StartServer) -> None:
    srv = two_workers(start_server)
    account = register(srv.url)
    others = [log_in(srv, account, f"Device/{n}") for n in range(2)]
    assert http.delete(srv.url + "/auth/sessions", headers=account.headers).status_code == 204
    assert all(refused_everywhere(srv, pair) for pair in others)
    assert http.get(srv.url + "/users/me", headers=account.headers).status_code == 200
    items = http.get(srv.url + "/auth/sessions", headers=account.headers).json()["items"]
    assert [i["current"] for i in items] == [True]


def test_an_admin_ends_every_session_of_a_user(start_server: StartServer, admin: Account) -> None:
    srv = two_workers(start_server)
    account = register(srv.url)
    other = log_in(srv, account, "Phone/2.0")
    own = {"access_token": account.access_token, "refresh_token": account.refresh_token}
    path = f"{srv.url}/admin/users/{account.id}/sessions"
    assert http.delete(path, headers=account.headers).status_code == 403
    assert http.delete(path, headers=admin.headers).status_code == 204
    assert refused_everywhere(srv, own) and refused_everywhere(srv, other)
    assert (
        http.delete(f"{srv.url}/admin/users/999999/sessions", headers=admin.headers).status_code
        == 404
    )
