"""Orders: what a customer sends, and the order with its lines as placed (prices of that
moment, Money as for products)."""

from datetime import datetime
from typing import Any, Optional

from pydantic import BaseModel, Field, field_validator

from models.base import InputModel, Money, QueryModel
from models.pagination import Cursor, Place
from models.product import STOCK_MAX

ITEMS_MAX = 50
# Idempotency-Key: what clients use (UUIDs, ULIDs, opaque tokens): visible ASCII, no spaces.
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,255}$"


class OrderItem(InputModel):
    product_id: int = Field(ge=1)
    quantity: int = Field(ge=1, le=STOCK_MAX)


class OrderCreate(InputModel):
    items: list[OrderItem] = Field(min_length=1, max_length=ITEMS_MAX)

    @field_validator("items")
    @classmethod
    def _each_product_once(cls, items: list[OrderItem]) -> list[OrderItem]:
        ids = [item.product_id for item in items]
        if len(ids) != len(set(ids)):
            raise ValueError("name each product once, with its whole quantity")
        return items

    @classmethod
    def cross_field_rules(cls, schema: dict[str, Any]) -> None:
        schema["properties"]["items"]["uniqueItems"] = True  # as close as JSON Schema gets

    def canonical(self) -> str:
        """The request as a value: the same items in any order are the same request."""
        items = sorted((i.product_id, i.quantity) for i in self.items)
        return ";".join(f"{product}x{quantity}" for product, quantity in items)


class OrderFilter(QueryModel):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: Optional[Cursor] = Field(default=None, description="next_cursor of the last page")

    @field_validator("cursor")
    @classmethod
    def _newest_first(cls, place: Optional[Place]) -> Optional[Place]:
        if place is not None and (place.sort != "-id" or place.key != place.id):
            raise ValueError("is not a cursor this API gave out")
        return place


class OrderLineOut(BaseModel):
    product_id: int
    name: str
    quantity: int
    unit_price: Money


class OrderOut(BaseModel):
    id: int
    user_id: int
    total: Money
    lines: list[OrderLineOut]
    created_at: datetime


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: Optional[str] = Field(description="the next page's cursor; null on the last")
    limit: int
