"""The error boundary: the one place where exceptions, 404 and 405 become problem details.

It is installed per route (install_error_boundary, called by main.py after every route is
registered), not as an outer middleware, because of three Velithon 0.6.10 quirks:
- Router.app catches any exception from a route and calls the route a second time, so a
  handler that writes and then raises would write twice. Nothing may escape a route.
- Outside LoggingMiddleware at log level INFO, HTTPExceptions become empty 500s, and other
  exceptions answer {"message": str(exc)}, leaking their text.
- 404 and 405 are plain text; an HTTPEndpoint answers an unknown method with 400.
"""

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any, Optional

import orjson
import structlog
from pydantic import ValidationError
from velithon.datastructures import Protocol, Scope
from velithon.endpoint import HTTPEndpoint
from velithon.exceptions import HTTPException, ValidationException
from velithon.routing import Route, Router

from middleware.body_limit import BodyTooLargeError
from middleware.problems import ProblemResponse, problem
from models.problem import ProblemError
from services.errors import (
    AuthenticationError,
    ConflictError,
    DependencyUnavailableError,
    InvalidFieldError,
    NotFoundError,
    PermissionDeniedError,
)

log = structlog.get_logger(__name__)

RSGIHandler = Callable[[Scope, Protocol], Awaitable[None]]
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
DOMAIN_STATUS = (
    (NotFoundError, 404),
    (ConflictError, 409),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (DependencyUnavailableError, 503),
)
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}
MISSING_PARAMETER = "Missing required parameter: "
INVALID_REQUEST = "The request is not valid."
BODY_TOO_LARGE = "Request body too large"


def install_error_boundary(router: Router) -> None:
    """Guard every registered route and answer unmatched paths. Call after all routes exist."""
    routes = [route for route in router.routes if isinstance(route, Route)]
    by_path: dict[str, list[Route]] = {}
    for route in routes:
        by_path.setdefault(route.path, []).append(route)
    for route in routes:
        route.handle = _guarded(route, by_path[route.path])  # type: ignore[method-assign]
    router.default = _not_found  # type: ignore[method-assign]


async def _not_found(scope: Scope, protocol: Protocol) -> None:
    await problem(scope, 404, "No resource at this path.")(scope, protocol)


def _allowed_methods(route: Route) -> Optional[frozenset[str]]:
    if route.methods:
        return frozenset(route.methods)
    endpoint = route.endpoint
    if isinstance(endpoint, type) and issubclass(endpoint, HTTPEndpoint):
        methods = {m for m in HTTP_METHODS if hasattr(endpoint, m.lower())}
        if "GET" in methods:
            methods.add("HEAD")
        return frozenset(methods)
    return None


def _guarded(route: Route, same_path: list[Route]) -> RSGIHandler:
    """Velithon's router hands a request to the first route whose path matches, even when a
    later route on the same path has the method: so each guard dispatches by method among
    all routes of its path, and answers 405 with the union of their methods."""
    apps: dict[str, RSGIHandler] = {}
    for candidate in same_path:
        for method in _allowed_methods(candidate) or HTTP_METHODS:
            apps.setdefault(method, candidate.app)
    allow_header = {"Allow": ", ".join(sorted(apps))}

    async def handle(scope: Scope, protocol: Protocol) -> None:
        app = apps.get(scope.method)
        if app is None:
            detail = f"{scope.method} is not allowed here."
            await problem(scope, 405, detail, headers=allow_header)(scope, protocol)
            return
        try:
            await app(scope, protocol)
        except Exception as exc:
            await _answer(scope, protocol, exc)

    return handle


async def _answer(scope: Scope, protocol: Protocol, exc: Exception) -> None:
    response = problem_for(scope, exc)
    try:
        await response(scope, protocol)
    except Exception:
        # The response was already on its way (e.g. a background task failed after it).
        log.error("error_after_response", path=scope.path, exc_info=exc)


def problem_for(scope: Scope, exc: Exception) -> ProblemResponse:
    if isinstance(exc, ProblemError):
        return problem(scope, exc.status, exc.detail, errors=exc.errors, headers=exc.headers)
    for error_type, status in DOMAIN_STATUS:
        if isinstance(exc, error_type):
            headers = BEARER_CHALLENGE if status == 401 else None
            return problem(scope, status, str(exc), headers=headers)
    if isinstance(exc, InvalidFieldError):
        errors = [{"loc": ["body", exc.field], "msg": str(exc), "type": "value_error"}]
        return problem(scope, 422, INVALID_REQUEST, errors=errors)
    if isinstance(exc, ValidationError):  # an endpoint validating a body it read itself
        return problem(scope, 422, INVALID_REQUEST, errors=_pydantic_errors(exc, "body"))
    if isinstance(exc, ValidationException):
        return problem(scope, 422, INVALID_REQUEST, errors=_field_errors(scope, exc))
    if isinstance(exc, HTTPException):
        return _from_velithon_http_exception(scope, exc)
    if isinstance(exc, ValueError) and isinstance(exc.__cause__, orjson.JSONDecodeError):
        return problem(scope, 400, "The request body is not valid JSON.")
    if isinstance(exc, BodyTooLargeError) or (
        isinstance(exc, ValueError) and str(exc).startswith(BODY_TOO_LARGE)
    ):
        return problem(scope, 413, "The request body is too large.")
    log.error("unhandled_exception", method=scope.method, path=scope.path, exc_info=exc)
    return problem(scope, 500, "An unexpected error occurred.")


def _field_errors(scope: Scope, exc: ValidationException) -> list[dict[str, Any]]:
    cause = exc.__cause__
    details = exc.details or {}
    field = str(details.get("field", ""))
    if isinstance(cause, ValidationError):
        source = "body" if scope.method in ("POST", "PUT", "PATCH") else "query"
        return _pydantic_errors(cause, source)
    return [
        {"loc": [field], "msg": str(details.get("msg", "Invalid value")), "type": "value_error"}
    ]


def _pydantic_errors(exc: ValidationError, source: str) -> list[dict[str, Any]]:
    return [
        {"loc": [source, *err["loc"]], "msg": _message(err["msg"]), "type": err["type"]}
        for err in exc.errors(include_url=False, include_input=False)
    ]


def _message(text: str) -> str:
    return text.removeprefix("Value error, ")


def _from_velithon_http_exception(scope: Scope, exc: HTTPException) -> ProblemResponse:
    message = str((exc.details or {}).get("message", ""))
    if message.startswith(MISSING_PARAMETER):
        name = message.removeprefix(MISSING_PARAMETER)
        errors = [{"loc": [name], "msg": "Field required", "type": "missing"}]
        return problem(scope, 422, INVALID_REQUEST, errors=errors)
    status = exc.status_code if 400 <= exc.status_code < 600 else 500
    if status >= 500:
        log.error("velithon_http_exception", path=scope.path, exc_info=exc)
        return problem(scope, status, "An unexpected error occurred.")
    return problem(scope, status, HTTPStatus(status).description or HTTPStatus(status).phrase)
