"""Keyset pagination: a page ends with a cursor holding the last item's place in the sort order,
and the next page starts after that place. Unlike an offset, a walk meets every item that exists
throughout exactly once, however many are added or removed meanwhile, and each page costs one
index seek instead of a scan of every row before it. The price: no page numbers and no total
(a count over the filters would scan them all on every page, and be stale at once).

The cursor is opaque to clients (base64url JSON: the sort, its key, the id); a cursor that does
not decode to a place in some sort order is a 422 naming it, never an error further down.
"""

import base64
import binascii
from typing import Annotated, Any, NamedTuple

import orjson
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from models.base import INT64_MAX, storable

CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,400}$"


class Place(NamedTuple):
    sort: str
    key: str | int  # the sort column's value (text, or money as its decimal string)
    id: int  # the tie-breaker: ids are unique


def encode_cursor(sort: str, key: str | int, item_id: int) -> str:
    raw = orjson.dumps([sort, key, item_id])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(value: Any) -> Place:
    if isinstance(value, Place):
        return value
    bad = PydanticCustomError("cursor_invalid", "is not a cursor this API gave out")
    if not isinstance(value, str) or not 0 < len(value) <= 400:
        raise bad
    try:
        decoded = orjson.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        raise bad from None
    if not (isinstance(decoded, list) and len(decoded) == 3):
        raise bad
    sort, key, item_id = decoded
    if not (
        isinstance(sort, str)
        and isinstance(key, str | int)
        and not isinstance(key, bool)
        and isinstance(item_id, int)
        and not isinstance(item_id, bool)
        and 0 < item_id <= INT64_MAX
    ):
        raise bad
    storable(key)
    return Place(sort, key, item_id)


Cursor = Annotated[
    Place,
    BeforeValidator(decode_cursor),
    WithJsonSchema({"type": "string", "pattern": CURSOR_PATTERN}),
]
