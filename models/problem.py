"""The one error shape: RFC 9457 problem details (application/problem+json)."""

from http import HTTPStatus
from typing import Any, Optional

from pydantic import BaseModel


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ProblemDetails(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    errors: Optional[list[FieldError]] = None


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
        self.title = HTTPStatus(status).phrase
        self.detail = detail
        self.errors = errors
        self.headers = headers
