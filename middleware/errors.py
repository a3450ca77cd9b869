"""The error boundary: the one place where exceptions, 404 and 405 become problem details.

It wraps each route, not the whole app, because of Velithon 0.6.10 quirks
(docs/velithon-quirks.md 1-4, 14):
- Router.app catches any exception from a route and calls the route a second time, so a
  handler that writes and then raises would write twice. Nothing may escape a route.
- Outside LoggingMiddleware at log level INFO, HTTPExceptions become empty 500s, and other
  exceptions answer {"message": str(exc)}, leaking their text.
- 404 and 405 are plain text, and two routes on one path leave one method answering 405.
So every declared template is registered once, with all its methods, and its guard picks the
endpoint by method (405 with Allow otherwise), runs it, and turns whatever it raises into a
problem response.
"""

from collections.abc import Awaitable, Callable, Mapping

from velithon.ctx import get_or_create_request, has_request_context
from velithon.datastructures import Protocol, Scope
from velithon.requests import Request
from velithon.responses import Response
from velithon.routing import Router

from middleware.body_limit import BodyTooLargeError
from observability.logs import log_unexpected
from services.errors import (
    AuthenticationError,
    ConflictError,
    DependencyUnavailableError,
    InvalidFieldError,
    NotFoundError,
    PermissionDeniedError,
    TooLargeError,
    UnsupportedMediaTypeError,
    WrongPasswordError,
)
from web.problems import ProblemError, ProblemResponse, problem
from web.route import Route
from web.route_table import RouteTable
from web.velithon_private import read_request_id, replace_not_found, replace_route_handler

Handler = Callable[[Request], Awaitable[Response]]
DOMAIN_STATUS = (
    (NotFoundError, 404),
    (ConflictError, 409),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (TooLargeError, 413),
    (UnsupportedMediaTypeError, 415),
)
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}
RETRY_AFTER_SECONDS = "5"
VELITHON_BODY_TOO_LARGE = "Request body too large"  # Request.body()'s own 16 MiB limit


def install_error_boundary(
    router: Router, table: RouteTable, handlers: Mapping[Route, Handler]
) -> None:
    """Register every template of `table` with Velithon's router, each behind its guard."""
    for template, routes in table.templates().items():
        by_method = {route.method: handlers[route] for route in routes}
        if "GET" in by_method:
            by_method.setdefault("HEAD", by_method["GET"])
        router.add_api_route(template, _unused, methods=sorted(by_method), include_in_schema=False)
        replace_route_handler(router, _guard(by_method))
    replace_not_found(router, _not_found)


async def _unused() -> None:  # pragma: no cover - the guard replaces Velithon's handling
    raise AssertionError("routes are served by their guard")


async def _not_found(scope: Scope, protocol: Protocol) -> None:
    await problem(scope, 404, "No resource at this path.")(scope, protocol)


def _guard(by_method: Mapping[str, Handler]) -> Callable[[Scope, Protocol], Awaitable[None]]:
    allow = {"Allow": ", ".join(sorted(by_method))}

    async def handle(scope: Scope, protocol: Protocol) -> None:
        handler = by_method.get(scope.method)
        if handler is None:
            detail = f"{scope.method} is not allowed here."
            await problem(scope, 405, detail, headers=allow)(scope, protocol)
            return
        if has_request_context():
            request = get_or_create_request(scope, protocol)
        else:
            request = Request(scope, protocol)
        try:
            response = await handler(request)
            await response(scope, protocol)
        except Exception as exc:
            await _answer(scope, protocol, exc)

    return handle


async def _answer(scope: Scope, protocol: Protocol, exc: Exception) -> None:
    response = problem_for(scope, exc)
    try:
        await response(scope, protocol)
    except Exception:
        # The response was already on its way (e.g. a background task failed after it).
        log_unexpected("error_after_response", exc, **_request_fields(scope))


def problem_for(scope: Scope, exc: Exception) -> ProblemResponse:
    """The problem response for an exception raised while handling a request."""
    if isinstance(exc, ProblemError):
        return problem(scope, exc.status, exc.detail, errors=exc.errors, headers=exc.headers)
    for error_type, status in DOMAIN_STATUS:
        if isinstance(exc, error_type):
            headers = BEARER_CHALLENGE if status == 401 else None
            return problem(scope, status, str(exc), headers=headers)
    if isinstance(exc, DependencyUnavailableError):
        return problem(scope, 503, str(exc), headers={"Retry-After": RETRY_AFTER_SECONDS})
    if isinstance(exc, WrongPasswordError):
        errors = [{"loc": ["body", exc.field], "msg": str(exc), "type": "value_error"}]
        return problem(scope, 403, str(exc), errors=errors)
    if isinstance(exc, InvalidFieldError):
        errors = [{"loc": [exc.location, exc.field], "msg": str(exc), "type": "value_error"}]
        return problem(scope, 422, "The request is not valid.", errors=errors)
    if isinstance(exc, BodyTooLargeError) or (
        isinstance(exc, ValueError) and str(exc).startswith(VELITHON_BODY_TOO_LARGE)
    ):
        return problem(scope, 413, "The request body is too large.")
    log_unexpected("unhandled_exception", exc, **_request_fields(scope))
    return problem(scope, 500, "An unexpected error occurred.")


def _request_fields(scope: Scope) -> dict[str, str]:
    return {"request_id": read_request_id(scope), "method": scope.method, "path": scope.path[:512]}
