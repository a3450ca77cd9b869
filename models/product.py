"""Products: what admins send, what anyone gets back, and the list's query. Prices are Money
(models/base.py): decimal strings, exact from JSON to numeric(12,2) and back."""

import re
from datetime import datetime
from typing import Any, Literal, Optional

from pydantic import MISSING, BaseModel, Field, field_validator, model_validator

from models.base import NAME_SCHEMA, InputModel, Money, QueryModel, clean_name
from models.pagination import Cursor, Place

SKU_PATTERN = r"^[A-Z0-9][A-Z0-9-]{0,39}$"  # the column's CHECK
STOCK_MAX = 2**31 - 1  # an integer column
IDS_MAX = 100
# The list's orders: id (oldest first), name, price (cheapest first), -price (dearest first).
Sort = Literal["id", "name", "price", "-price"]
_MONEY_KEY = re.compile(r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$")


class ProductCreate(InputModel):
    sku: str = Field(pattern=SKU_PATTERN, examples=["LAMP-001"], description="unique, for good")
    name: str = Field(max_length=200, examples=["Desk lamp"], json_schema_extra=NAME_SCHEMA)
    description: str = Field(default="", max_length=2000)
    price: Money
    stock: int = Field(default=0, ge=0, le=STOCK_MAX)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_name(value)


class ProductUpdate(InputModel):
    """PATCH /products/{id}: any of these; what is left out stays."""

    sku: str | MISSING = Field(default=MISSING, pattern=SKU_PATTERN)
    name: str | MISSING = Field(default=MISSING, max_length=200, json_schema_extra=NAME_SCHEMA)
    description: str | MISSING = Field(default=MISSING, max_length=2000)
    price: Money | MISSING = MISSING
    stock: int | MISSING = Field(default=MISSING, ge=0, le=STOCK_MAX)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_name(value)

    @model_validator(mode="after")
    def _something(self) -> "ProductUpdate":
        if not self.model_fields_set:
            raise ValueError("give at least one of sku, name, description, price, stock")
        return self

    @classmethod
    def cross_field_rules(cls, schema: dict[str, Any]) -> None:
        schema["minProperties"] = 1

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


def _id_list(value: Any) -> Any:
    if isinstance(value, str):  # ?ids=3,1,2
        return [part.strip() for part in value.split(",")]
    return value


class ProductFilter(QueryModel):
    """GET /products query: a page of at most `limit`, after `cursor`, with filters."""

    limit: int = Field(default=20, ge=1, le=100)
    cursor: Optional[Cursor] = Field(
        default=None, description="next_cursor of the previous page, with the same sort"
    )
    sort: Sort = "id"
    q: Optional[str] = Field(
        default=None, min_length=1, max_length=100, description="part of the name, any letter case"
    )
    min_price: Optional[Money] = None
    max_price: Optional[Money] = None
    in_stock: Optional[bool] = None
    ids: Optional[list[int]] = Field(
        default=None,
        min_length=1,
        max_length=IDS_MAX,
        description="only these products, comma-separated: 3,1,2",
    )

    _split_ids = field_validator("ids", mode="before")(_id_list)

    @field_validator("ids")
    @classmethod
    def _positive_ids(cls, value: Optional[list[int]]) -> Optional[list[int]]:
        if value is not None and any(item < 1 for item in value):
            raise ValueError("ids are positive integers")
        return value

    @model_validator(mode="after")
    def _cursor_of_this_sort(self) -> "ProductFilter":
        place = self.cursor
        if place is None:
            return self
        if place.sort != self.sort:
            raise ValueError(f"cursor belongs to sort={place.sort}; give that sort or no cursor")
        if not _valid_key(place):
            raise ValueError("cursor is not a cursor this API gave out")
        return self

    @classmethod
    def cross_field_rules(cls, schema: dict[str, Any]) -> None:
        # Query strings carry the list as one comma-separated value.
        schema["properties"]["ids"]["anyOf"][0] = {
            "type": "string",
            "pattern": r"^[1-9][0-9]{0,17}(,[1-9][0-9]{0,17}){0,99}$",
        }


def _valid_key(place: Place) -> bool:
    if place.sort == "id":
        return place.key == place.id
    if place.sort == "name":
        return isinstance(place.key, str) and 0 < len(place.key) <= 200
    return isinstance(place.key, str) and bool(_MONEY_KEY.match(place.key))


class ProductOut(BaseModel):
    id: int
    sku: str
    name: str
    description: str
    price: Money
    stock: int
    created_at: datetime
    updated_at: datetime


class ProductPage(BaseModel):
    items: list[ProductOut]
    next_cursor: Optional[str] = Field(description="the next page's cursor; null on the last")
    limit: int
