"""The OpenAPI document says what the app does, operation by operation (tests/test_api_fuzz.py
checks it against the behaviour; this pins the facts a reader looks for first)."""

from typing import Any

import pytest

from tests import http
from tests.server import Server

PROBLEM = {"$ref": "#/components/schemas/ProblemDetails"}


@pytest.fixture(scope="module")
def spec(server: Server) -> dict[str, Any]:
    return http.get(server.url + "/openapi.json").json()  # type: ignore[no-any-return]


def schema_of(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]  # type: ignore[no-any-return]


def responses(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return spec["paths"][path][method]["responses"]  # type: ignore[no-any-return]


def test_formats_and_enums_are_real(spec: dict[str, Any]) -> None:
    create = schema_of(spec, "UserCreate")["properties"]
    assert create["email"]["format"] == "email" and create["email"]["type"] == "string"
    assert create["password"]["format"] == "password" and create["password"]["minLength"] == 8
    out = schema_of(spec, "UserOut")["properties"]
    assert out["created_at"] == {"format": "date-time", "title": "Created At", "type": "string"}
    assert out["role"]["enum"] == ["user", "admin"]
    role = next(
        p for p in spec["paths"]["/admin/users"]["get"]["parameters"] if p["name"] == "role"
    )
    assert role["in"] == "query" and not role["required"]
    assert role["schema"] == {"enum": ["user", "admin"], "type": "string"}  # no null: absent
    user_id = spec["paths"]["/users/{user_id}"]["get"]["parameters"][0]
    assert user_id["in"] == "path" and user_id["required"] is True
    assert user_id["schema"]["type"] == "integer" and user_id["schema"]["maximum"] == 2**63 - 1


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("post", "/users", {"201", "400", "409", "413", "415", "422", "429", "503"}),
        (
            "post",
            "/auth/login",
            {"200", "202", "400", "401", "403", "413", "415", "422", "429", "503"},
        ),
        ("get", "/users/me", {"200", "401", "429", "503"}),
        (
            "patch",
            "/users/me",
            {"200", "400", "401", "403", "409", "413", "415", "422", "429", "503"},
        ),
        ("get", "/users/{user_id}", {"200", "400", "401", "403", "404", "422", "429", "503"}),
        ("get", "/admin/users", {"200", "400", "401", "403", "422", "429", "503"}),
        ("post", "/auth/logout", {"204", "401", "429", "503"}),
        ("get", "/health", {"200", "503"}),
        ("get", "/health/live", {"200"}),
        ("get", "/metrics", {"200", "403"}),
        # example-shop:begin
        ("get", "/products", {"200", "400", "422", "429", "503"}),
        ("get", "/products/{product_id}", {"200", "400", "404", "422", "429", "503"}),
        (
            "patch",
            "/products/{product_id}",
            {"200", "400", "401", "403", "404", "409", "413", "415", "422", "429", "503"},
        ),
        (
            "delete",
            "/products/{product_id}",
            {"204", "400", "401", "403", "404", "422", "429", "503"},
        ),
        (
            "post",
            "/products/{product_id}/images",
            {"201", "400", "401", "403", "404", "413", "415", "422", "429", "503"},
        ),
        ("get", "/uploads/{name}", {"200", "400", "404", "422", "429", "503"}),
        # example-shop:end
    ],
)
def test_every_status_an_operation_answers_is_documented(
    spec: dict[str, Any], method: str, path: str, statuses: set[str]
) -> None:
    documented = responses(spec, method, path)
    assert set(documented) == statuses
    for status, response in documented.items():
        if status.startswith(("4", "5")) and path != "/health":
            assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}
        if status in ("429", "503"):
            assert "Retry-After" in response["headers"]


def test_bodies_and_media_types(spec: dict[str, Any]) -> None:
    assert responses(spec, "post", "/auth/logout")["204"] == {"description": "Done; no body"}
    # example-shop:begin
    assert responses(spec, "delete", "/products/{product_id}")["204"] == {
        "description": "Done; no body"
    }
    key = next(p for p in spec["paths"]["/orders"]["post"]["parameters"] if p["in"] == "header")
    assert key["name"] == "Idempotency-Key" and key["required"] is False
    assert key["schema"]["type"] == "string"
    assert key["schema"]["pattern"].endswith("^[!-~]{1,255}$")
    export = responses(spec, "get", "/export/users")["200"]
    assert set(export["content"]) == {"text/csv"}
    price = spec["components"]["schemas"]["ProductOut"]["properties"]["price"]
    assert price["type"] == "string" and "pattern" in price  # money: never a JSON number
    # example-shop:end
    assert set(responses(spec, "get", "/metrics")["200"]["content"]) == {"text/plain"}
    health = responses(spec, "get", "/health")
    for status in ("200", "503"):
        assert health[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/HealthReport"
        }
    login = spec["paths"]["/auth/login"]["post"]["requestBody"]["content"]
    assert set(login) == {"application/json", "application/x-www-form-urlencoded"}


PUBLIC = {
    ("post", "/users"),
    ("post", "/auth/login"),
    ("post", "/auth/refresh"),
    ("post", "/auth/login/totp"),
    ("post", "/auth/verify-email"),
    ("post", "/auth/verify-email/resend"),
    ("post", "/auth/password-reset"),
    ("post", "/auth/password-reset/confirm"),
    ("get", "/health"),
    ("get", "/health/live"),
    ("get", "/metrics"),
    # example-shop:begin
    ("get", "/products"),
    ("get", "/products/{product_id}"),
    ("get", "/uploads/{name}"),
    # example-shop:end
}


def test_security_is_declared_where_a_token_is_needed(spec: dict[str, Any]) -> None:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            public = (method, path) in PUBLIC
            assert ("security" not in operation) == public, (method, path)
            if not public:
                assert "401" in operation["responses"]
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert "/" not in spec["paths"] and "/static/{path}" not in spec["paths"]
