"""The OpenAPI document, corrected where Velithon 0.6.10 gets it wrong:
- two routes on one path (GET and PATCH /users/me) overwrite each other: operations are merged;
- only 200 is documented: each route's real statuses come from STATUSES below;
- security: the bearer scheme (plus the OAuth2 password flow, so /docs' Authorize button can
  log in) on every operation that is not public in middleware/auth.py;
- bodies an endpoint reads itself (login, refresh) are described here.
"""

from typing import Any

from velithon import Velithon
from velithon.routing import Route

from middleware.auth import is_public_route
from models.auth import LoginRequest, RefreshRequest
from models.problem import ProblemDetails

VALIDATION = {422: "Invalid input (per-field `errors`)"}
STATUSES: dict[tuple[str, str], dict[int, str]] = {
    ("GET", "/health"): {503: "A dependency does not answer (named in the body)"},
    ("POST", "/users"): {201: "Created (Location: /users/{id})", 409: "Email taken", **VALIDATION},
    ("GET", "/users/me"): {},
    ("PATCH", "/users/me"): {**VALIDATION},
    ("GET", "/users/{user_id}"): {403: "Another user's account", 404: "No such user"},
    ("POST", "/auth/login"): {401: "Wrong email or password", **VALIDATION},
    ("POST", "/auth/refresh"): {401: "Missing, expired, revoked or reused token", **VALIDATION},
    ("POST", "/auth/logout"): {204: "Logged out"},
    ("GET", "/admin/users"): {403: "Not an admin", **VALIDATION},
    ("PATCH", "/admin/users/{user_id}"): {403: "Not an admin", 404: "No such user", **VALIDATION},
}
REQUEST_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/auth/login"): {
        "required": True,
        "content": {
            "application/json": {"schema": LoginRequest.model_json_schema()},
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "username": {"type": "string", "description": "your email"},
                        "password": {"type": "string", "format": "password"},
                    },
                }
            },
        },
    },
    ("POST", "/auth/refresh"): {
        "required": False,
        "description": "Or send the refresh_token cookie set at login.",
        "content": {"application/json": {"schema": RefreshRequest.model_json_schema()}},
    },
}
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    "oauth2": {"type": "oauth2", "flows": {"password": {"tokenUrl": "/auth/login", "scopes": {}}}},
}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}


def document(app: Velithon) -> None:
    """Replace app.get_openapi (read by /openapi.json) with the corrected, cached document."""
    cached: dict[str, Any] = {}

    def get_openapi() -> dict[str, Any]:
        if not cached:
            cached.update(_build(app))
        return cached

    app.get_openapi = get_openapi  # type: ignore[method-assign]


def _build(app: Velithon) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = {**problem.pop("$defs", {}), "ProblemDetails": problem}
    for route in app.router.routes:
        if isinstance(route, Route) and route.include_in_schema:
            route_paths, route_schemas = route.openapi()
            for path, operations in route_paths.items():
                paths.setdefault(path, {}).update(operations)
            schemas.update(route_schemas)
    for path, operations in paths.items():
        for method, operation in operations.items():
            _correct(method.upper(), path, operation)
    return {
        "openapi": app.openapi_version,
        "info": {"title": app.title, "version": app.version},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
    }


def _correct(method: str, path: str, operation: dict[str, Any]) -> None:
    key = (method, path)
    operation["operationId"] = f"{method.lower()}_{operation.get('operationId', path)}"
    if key in REQUEST_BODIES:
        operation["requestBody"] = REQUEST_BODIES[key]
    responses = operation.setdefault("responses", {})
    statuses = dict(STATUSES.get(key, {}))
    if not is_public_route(method, path):
        operation["security"] = [{"bearerAuth": []}, {"oauth2": []}]
        statuses.setdefault(401, "Missing, invalid, expired or revoked access token")
    else:
        operation.pop("security", None)
    success = min((s for s in statuses if s < 300), default=None)
    if success is not None and success != 200:
        ok = responses.pop("200", {})
        responses[str(success)] = {**ok, "description": statuses.pop(success)}
    for status, description in sorted(statuses.items()):
        if status >= 400:
            responses[str(status)] = {"description": description, "content": PROBLEM}
