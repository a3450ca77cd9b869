"""Problem details (RFC 9457, application/problem+json): the one error shape. Every layer that
answers an error builds it here; endpoints raise ProblemError for a status of their own."""

from typing import Any, Optional

from velithon.datastructures import Scope
from velithon.responses import JSONResponse

# RFC 9110's reason phrases, fixed here: Python's HTTPStatus phrases differ between versions
# (413 and 422 changed names in 3.13), and a client may match on the title.
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def title(status: int) -> str:
    return TITLES.get(status) or ("Client Error" if status < 500 else "Server Error")


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


class ProblemError(Exception):
    """Raise from an endpoint to answer with a problem-details response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Optional[list[dict[str, Any]]] = None,
        headers: Optional[dict[str, str]] = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers


def problem(
    scope: Scope,
    status: int,
    detail: str,
    *,
    errors: Optional[list[dict[str, Any]]] = None,
    headers: Optional[dict[str, str]] = None,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title(status),
        "status": status,
        "detail": detail,
        "instance": scope.path,
    }
    if errors is not None:
        body["errors"] = errors
    return ProblemResponse(body, status_code=status, headers=headers)
