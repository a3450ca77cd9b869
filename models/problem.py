"""The one error shape: RFC 9457 problem details (application/problem+json), as documented in
the OpenAPI document. web/problems.py builds the responses."""

from typing import Optional

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
