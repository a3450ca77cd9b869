"""The input rules every model and body follows (models/base.py, web/inputs.py)."""

from typing import Optional

import pytest
from pydantic import MISSING, ValidationError

from models.base import InputModel
from models.user import UserSelfUpdate
from web.inputs import check_json_syntax, is_json, parse_urlencoded
from web.problems import ProblemError


class Thing(InputModel):
    name: str
    count: Optional[int] = None
    tags: Optional[list[str]] = None


def errors(raw: str) -> list[tuple[tuple[object, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        Thing.model_validate_json(raw, strict=True)
    return [(e["loc"], e["type"]) for e in caught.value.errors()]


@pytest.mark.parametrize(
    ("raw", "loc", "kind"),
    [
        ('{"name": "a\\u0000b"}', ("name",), "string_unstorable"),
        ('{"name": "\\ud800"}', (), "json_invalid"),  # pydantic's parser refuses it
        ('{"name": "x", "tags": ["ok", "\\u0000"]}', ("tags",), "string_unstorable"),
        ('{"name": "x", "count": 9223372036854775808}', ("count",), "int_out_of_range"),
        ('{"name": "x", "count": -9223372036854775809}', ("count",), "int_out_of_range"),
        ('{"name": "x", "count": true}', ("count",), "int_type"),
        ('{"name": "x", "count": "5"}', ("count",), "int_type"),
        ('{"name": "x", "count": 1.5}', ("count",), "int_type"),
        ('{"name": "x", "role": "admin"}', ("role",), "extra_forbidden"),
        ('{"name": null}', ("name",), "string_type"),
    ],
)
def test_what_a_model_refuses(raw: str, loc: tuple[object, ...], kind: str) -> None:
    assert errors(raw) == [(loc, kind)]


def test_the_int64_bounds_themselves_pass() -> None:
    assert Thing.model_validate_json('{"name": "x", "count": 9223372036854775807}', strict=True)
    assert Thing.model_validate_json('{"name": "x", "count": -9223372036854775808}', strict=True)


def test_absent_is_not_null_in_a_patch() -> None:
    assert UserSelfUpdate.model_validate_json('{"age": null}', strict=True).given("age") is None
    with pytest.raises(ValidationError, match="name"):
        UserSelfUpdate.model_validate_json('{"name": null}', strict=True)
    only_age = UserSelfUpdate.model_validate_json('{"age": 3}', strict=True)
    assert only_age.name is MISSING and only_age.profile_changes() == {"age": 3}


@pytest.mark.parametrize(
    "raw",
    [b'{"a": 1, "a": 2}', b'{"x": {"b": 1, "b": 1}}', b'[{"k": 1, "k": 2}]'],
)
def test_duplicate_keys_are_400(raw: bytes) -> None:
    with pytest.raises(ProblemError) as caught:
        check_json_syntax(raw)
    assert caught.value.status == 400 and caught.value.errors


@pytest.mark.parametrize(
    "raw",
    [b"{", b"", b'{"a": NaN}', b"[Infinity]", b"\xff\xfe{}", b'"\xc3\x28"', "{}".encode("utf-16")],
)
def test_what_is_not_json_is_400(raw: bytes) -> None:
    with pytest.raises(ProblemError) as caught:
        check_json_syntax(raw)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("content_type", "json"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("Application/JSON; charset=UTF-8", True),
        ("application/problem+json", True),
        ("application/json; charset=latin-1", False),
        ("text/plain", False),
        ("application/x-www-form-urlencoded", False),
        ("", False),
        ("application/jsonx", False),
    ],
)
def test_which_content_types_are_json(content_type: str, json: bool) -> None:
    assert is_json(content_type) is json


def test_urlencoded_fields_are_decoded_once_each() -> None:
    assert parse_urlencoded("a=1&b=x+y%21&c=&d", "query") == {
        "a": "1",
        "b": "x y!",
        "c": "",
        "d": "",
    }
    assert parse_urlencoded("&&a=%C3%A9&", "query") == {"a": "é"}


@pytest.mark.parametrize(
    ("text", "field", "status"),
    [
        ("username=%ff%fe&password=x", "username", 400),
        ("username=a&password=%c3%28", "password", 400),
        ("%ff=1", "?", 400),
        ("a=1&a=2", "a", 400),
    ],
)
def test_urlencoded_refusals_name_the_field(text: str, field: str, status: int) -> None:
    with pytest.raises(ProblemError) as caught:
        parse_urlencoded(text, "body")
    assert caught.value.status == status
    assert caught.value.errors is not None and caught.value.errors[0]["loc"] == ["body", field]
