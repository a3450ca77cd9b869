"""Problem-details responses (RFC 9457, application/problem+json): the one error shape.
Every layer that answers an error builds it here."""

from http import HTTPStatus
from typing import Any, Optional

from velithon.datastructures import Scope
from velithon.responses import JSONResponse


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


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
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": scope.path,
    }
    if errors is not None:
        body["errors"] = errors
    return ProblemResponse(body, status_code=status, headers=headers)
