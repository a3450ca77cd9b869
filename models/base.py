"""Bases of every model a client fills in (bodies, query strings, path parameters): the rules
here hold for every field of every subclass, so a new field inherits them.

- No string holds NUL or an unpaired surrogate: PostgreSQL's text cannot store either.
- No integer falls outside int64, the widest integer column; a field for a narrower column
  declares its own bounds (`Field(ge=0, le=150)` for a smallint age).
- Bodies name no unknown field (extra="forbid": a client can't slip in "role": "admin").
- Absent and null are different things: in a PATCH model, `name: str | MISSING = MISSING`
  may be left out but not set to null (the column is NOT NULL); `age: Optional[int] | MISSING
  = MISSING` may be cleared. web/inputs.py validates bodies as strict JSON, so `true` is no
  integer and `"5"` no number.
"""

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
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


class InputModel(BaseModel):
    """Base of every model a client fills in. Subclasses inherit the checks."""

    model_config = ConfigDict(extra="forbid")

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

    model_config = ConfigDict(extra="ignore")
