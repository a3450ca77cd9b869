"""Exceptions to problem details (middleware/errors.py problem_for), and the fixed titles."""

import asyncpg
import orjson
import pytest
from velithon.datastructures import Scope

from middleware.body_limit import BodyTooLargeError
from middleware.errors import problem_for
from services.errors import (
    AuthenticationError,
    ConflictError,
    DependencyUnavailableError,
    InvalidFieldError,
    NotFoundError,
    PermissionDeniedError,
    RejectedValueError,
)
from web.problems import TITLES, ProblemError, title


class FakeScope:
    path = "/things/1"
    _request_id = "rid-1"
    method = "GET"


def body_of(exc: Exception) -> tuple[int, dict, dict]:
    response = problem_for(FakeScope(), exc)  # type: ignore[arg-type]
    headers = dict(response.raw_headers) if hasattr(response, "raw_headers") else {}
    return response.status_code, orjson.loads(response.body), headers


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (NotFoundError("No such thing."), 404),
        (ConflictError("Taken."), 409),
        (AuthenticationError("Nope."), 401),
        (PermissionDeniedError("Not yours."), 403),
        (DependencyUnavailableError("The database is unavailable."), 503),
        (ProblemError(415, "Send JSON."), 415),
        (BodyTooLargeError(), 413),
        (ValueError("Request body too large: 17 > 16"), 413),
    ],
)
def test_domain_errors_map_to_their_status(exc: Exception, status: int) -> None:
    code, body, _ = body_of(exc)
    assert code == status == body["status"]
    assert body["title"] == TITLES[status] and body["instance"] == "/things/1"


def test_field_errors_name_the_field() -> None:
    _, body, _ = body_of(InvalidFieldError("current_password", "The current password is wrong."))
    assert body["errors"] == [
        {
            "loc": ["body", "current_password"],
            "msg": "The current password is wrong.",
            "type": "value_error",
        }
    ]
    _, body, _ = body_of(RejectedValueError("name"))
    assert body["errors"][0]["loc"] == ["body", "name"]


def test_401_challenges_and_503_says_when_to_retry() -> None:
    _, _, headers = body_of(AuthenticationError("x"))
    assert headers["www-authenticate"].startswith("Bearer")
    _, _, headers = body_of(DependencyUnavailableError("x"))
    assert headers["retry-after"] == "5"


def test_anything_else_is_a_500_that_says_nothing() -> None:
    secret = "Failing row contains (1, $argon2id$v=19$secret)"
    for exc in (RuntimeError(secret), asyncpg.NotNullViolationError(secret)):
        code, body, _ = body_of(exc)
        assert code == 500 and body["detail"] == "An unexpected error occurred."
        assert "argon2" not in orjson.dumps(body).decode()


def test_titles_are_rfc_9110s_whatever_the_python() -> None:
    assert title(413) == "Content Too Large" and title(422) == "Unprocessable Content"
    assert title(418) == "Client Error" and title(599) == "Server Error"
    assert isinstance(Scope, type)
