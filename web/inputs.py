"""What a client sends, read strictly. The models' own rules are in models/base.py (no NUL,
no integer beyond int64, no unknown body fields); here, how bodies and query strings are read:

- JSON bodies: Content-Type application/json (or +json) or 415; syntax errors, NaN/Infinity,
  duplicate keys and absurd nesting are 400; then strict JSON validation, so `true` is no
  integer and `"5"` no number (422, per field).
- Form and query strings: percent-decoding must give UTF-8 (400 naming the field), and a field
  is given once.
"""

import json
import re
from collections.abc import Collection, Iterable
from typing import Any, NoReturn, Optional, TypeVar
from urllib.parse import unquote_to_bytes

from pydantic import BaseModel, ValidationError
from velithon.requests import Request

from web.problems import ProblemError

FORM_TYPE = "application/x-www-form-urlencoded"

Model = TypeVar("Model", bound=BaseModel)


def field_error(where: str, name: str, message: str, kind: str = "value_error") -> dict[str, Any]:
    return {"loc": [where, name], "msg": message, "type": kind}


def validation_errors(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    return [
        {
            "loc": [where, *err["loc"]],
            "msg": err["msg"].removeprefix("Value error, "),
            "type": err["type"],
        }
        for err in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def invalid(errors: list[dict[str, Any]], status: int = 422) -> NoReturn:
    detail = "The request is not valid." if status == 422 else "The request is malformed."
    raise ProblemError(status, detail, errors=errors)


def parse_urlencoded(
    text: str, where: str, known: Optional[Collection[str]] = None
) -> dict[str, str]:
    """`a=1&b=x%20y` -> {"a": "1", "b": "x y"}; 400 naming the field when percent-decoding
    does not give UTF-8, or a field we read (`known`; None: all) is given twice."""
    fields: dict[str, str] = {}
    for part in text.split("&"):
        if not part:
            continue
        raw_name, _, raw_value = part.partition("=")
        name = _decode(raw_name, where, "?")
        value = _decode(raw_value, where, name)
        if name in fields and (known is None or name in known):
            invalid([field_error(where, name, "given more than once")], 400)
        fields.setdefault(name, value)
    return fields


def _decode(text: str, where: str, name: str) -> str:
    try:
        return unquote_to_bytes(text.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        invalid([field_error(where, name, "is not valid UTF-8 after percent-decoding")], 400)


def is_json(content_type: str) -> bool:
    media_type, _, params = content_type.partition(";")
    media_type = media_type.strip().lower()
    if not (
        media_type == "application/json"
        or (media_type.startswith("application/") and media_type.endswith("+json"))
    ):
        return False
    charset = re.search(r"charset\s*=\s*\"?([\w-]+)", params, re.IGNORECASE)
    return charset is None or charset.group(1).lower() in ("utf-8", "utf8")


def _no_duplicate_keys(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _not_json(constant: str) -> NoReturn:
    raise ValueError(f"{constant} is not JSON")


def check_json_syntax(raw: bytes) -> None:
    """400 for what is not plain JSON: syntax errors, NaN/Infinity, duplicate keys (which
    orjson and pydantic would silently resolve to the last one)."""
    try:
        text = raw.decode("utf-8")  # strictly: json.loads would also guess UTF-16 or UTF-32
        json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_not_json)
    except _DuplicateKey as exc:
        invalid([field_error("body", exc.key, "is given more than once in one object")], 400)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ProblemError(400, "The request body is not valid JSON (UTF-8).") from None
    except RecursionError:
        raise ProblemError(400, "The request body is nested too deeply.") from None


async def read_json(request: Request, model: type[Model]) -> Model:
    """The body as `model`, with the rules in this module's docstring."""
    raw = await request.body()
    content_type = request.headers.get("content-type") or ""
    if not is_json(content_type):
        if not raw and not content_type:
            invalid([{"loc": ["body"], "msg": "A JSON body is required", "type": "missing"}])
        raise ProblemError(415, "Send the body as application/json (UTF-8).")
    check_json_syntax(raw)
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):  # a lone surrogate
            raise ProblemError(400, "The request body is not valid JSON (UTF-8).") from None
        invalid(validation_errors(exc, "body"))


async def read_form(request: Request, known: Collection[str]) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (415 for any other type); `known`: the
    fields the caller reads (each must come once)."""
    media_type = (request.headers.get("content-type") or "").partition(";")[0].strip().lower()
    if media_type != FORM_TYPE:
        raise ProblemError(415, f"Send the form as {FORM_TYPE}.")
    raw = await request.body()
    try:
        text = raw.decode("ascii")  # percent-encoded: anything else is not this media type
    except UnicodeDecodeError:
        raise ProblemError(400, "A form body is percent-encoded ASCII.") from None
    return parse_urlencoded(text, "body", known)


def bearer_token(authorization: str) -> str:
    """The token of an `Authorization: Bearer <token>` header; "" for anything else."""
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
