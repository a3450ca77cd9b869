"""Bases of every model a client fills in (bodies, query strings, path parameters): the rules
here hold for every field of every subclass, so a new field inherits them.

- No string holds NUL or an unpaired surrogate: PostgreSQL's text cannot store either.
- No integer falls outside int64, the widest integer column; a field for a narrower column
  declares its own bounds (`Field(ge=0, le=150)` for a smallint age).
- Bodies name no unknown field (extra="forbid": a client can't slip in "role": "admin").
- An integer is an integer whether sent as 77 or 77.0 (as JSON Schema has it); never true.
- Absent and null are different things: in a PATCH model, `name: str | MISSING = MISSING`
  may be left out but not set to null (the column is NOT NULL); `age: Optional[int] | MISSING
  = MISSING` may be cleared. web/inputs.py validates bodies as strict JSON, so `true` is no
  integer and `"5"` no number.
"""

import re
from decimal import Decimal
from typing import Annotated, Any

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonDict
from pydantic_core import PydanticCustomError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: Any) -> Any:
    """Refuse what PostgreSQL cannot store, wherever it sits in the value."""
    if isinstance(value, str):
        if UNSTORABLE.search(value):
            raise PydanticCustomError(
                "string_unstorable", "must not contain NUL or unpaired surrogate characters"
            )
    elif isinstance(value, int) and not isinstance(value, bool):
        if not INT64_MIN <= value <= INT64_MAX:
            raise PydanticCustomError(
                "int_out_of_range", "must be between -2^63 and 2^63-1 (a 64-bit integer)"
            )
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            storable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            storable(key)
            storable(item)
    return value


# What a name may hold: no markup (it is shown in pages and e-mails) and no control characters,
# at least one visible character. Checked by clean_name, documented by the schema pattern.
NAME_PATTERN = r"^[^<>\x00-\x1f\x7f-\x9f]*[^\s\ufeff<>\x00-\x1f\x7f-\x9f][^<>\x00-\x1f\x7f-\x9f]*$"
FORBIDDEN_IN_NAMES = re.compile(r"[<>\x00-\x1f\x7f-\x9f]")
VISIBLE = re.compile(r"[^\s\ufeff<>\x00-\x1f\x7f-\x9f]")
NAME_SCHEMA: JsonDict = {"pattern": NAME_PATTERN}


def clean_name(value: str) -> str:
    """The name without surrounding spaces; refused if it holds markup or control characters
    (rather than silently changed) or nothing visible."""
    if FORBIDDEN_IN_NAMES.search(value):
        raise ValueError("Name cannot contain < > or control characters")
    if not VISIBLE.search(value):
        raise ValueError("Name cannot be empty")
    return value.strip()


# Money: a decimal string with at most two places ("19.99", "0", "1200.5") in and out, never a
# JSON number (a float cannot hold 19.99). At most 9,999,999,999.99: numeric(12,2) columns.
MONEY_PATTERN = r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$"
_MONEY = re.compile(MONEY_PATTERN)
MONEY_MAX = Decimal("9999999999.99")


def _money(value: Any) -> Any:
    if isinstance(value, Decimal):  # from the database
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "money_type", 'must be a decimal string such as "19.99", not a number'
        )
    if not _MONEY.match(value):
        raise PydanticCustomError(
            "money_format", 'must be an amount such as "19.99": digits, at most two decimals'
        )
    return Decimal(value)


Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["19.99"]}),
]


NO_NUL = "^[^\u0000]*$"
# email-validator refuses addresses in special-use domains (a@b.test, a@localhost); the
# schema says so, or a fuzzer's "valid" address would be refused.
_SPECIAL = "|".join("".join(f"[{c}{c.upper()}]" for c in name) for name in SPECIAL_USE_DOMAIN_NAMES)
Email = Annotated[
    EmailStr,
    Field(json_schema_extra={"pattern": f"^(?![\\s\\S]*@(?:[^@]*\\.)?(?:{_SPECIAL})$)"}),
]


def document_the_rules(schema: dict[str, Any]) -> None:
    """The JSON schema says what the checks above refuse, so the OpenAPI document is exact:
    strings get a pattern without NUL (pydantic's own patterns get a lookahead in front),
    integers get int64 bounds unless the field declares its own."""
    for field_schema in schema.get("properties", {}).values():
        for variant in field_schema.get("anyOf", [field_schema]):
            if "enum" in variant or "const" in variant:
                continue
            if variant.get("type") == "string" and variant.get("format", "password") == "password":
                own = variant.get("pattern")
                variant["pattern"] = NO_NUL if own is None else "^(?![\\s\\S]*\u0000)" + own
            elif variant.get("type") == "integer":
                variant.setdefault("minimum", INT64_MIN)
                variant.setdefault("maximum", INT64_MAX)


def integral(value: Any) -> Any:
    """JSON Schema's "integer" is any number with a zero fraction: 77.0 is one, and strict
    validation would refuse it. Integral floats become ints (fields of type float take ints)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [integral(item) for item in value]
    return value


def _json_schema_extra(schema: dict[str, Any], model: type["InputModel"]) -> None:
    document_the_rules(schema)
    model.cross_field_rules(schema)


class InputModel(BaseModel):
    """Base of every model a client fills in. Subclasses inherit the checks."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_json_schema_extra)  # type: ignore[typeddict-item]

    @classmethod
    def cross_field_rules(cls, schema: dict[str, Any]) -> None:
        """Document a model validator's rule in the schema (dependentRequired, minProperties):
        what a model refuses, its schema must refuse too."""

    @field_validator("*", mode="before")
    @classmethod
    def _integral_numbers(cls, value: Any) -> Any:
        return integral(value)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return storable(value)

    def given(self, name: str) -> Any:
        """The field's value if the client sent it, else None (MISSING fields read well)."""
        return getattr(self, name) if name in self.model_fields_set else None


class QueryModel(InputModel):
    """Base of query-string models: unknown parameters are ignored, as browsers and proxies
    add their own (cache busters, tracking)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_json_schema_extra)  # type: ignore[typeddict-item]
