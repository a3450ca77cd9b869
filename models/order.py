"""Orders: what a customer sends, and the order with its lines as placed (prices of that
moment, Money as for products)."""

from datetime import datetime
from typing import Optional

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

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
    """A product named twice is ordered with the quantities added up."""

    items: list[OrderItem] = Field(min_length=1, max_length=ITEMS_MAX)

    def quantities(self) -> dict[int, int]:
        """Product id -> the quantity ordered, in the order the products were first named."""
        wanted: dict[int, int] = {}
        for item in self.items:
            wanted[item.product_id] = wanted.get(item.product_id, 0) + item.quantity
        return wanted

    def canonical(self) -> str:
        """The request as a value: the same quantities in any order are the same request."""
        return ";".join(f"{p}x{q}" for p, q in sorted(self.quantities().items()))


class OrderFilter(QueryModel):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: Optional[Cursor] = Field(default=None, description="next_cursor of the last page")

    @field_validator("cursor")
    @classmethod
    def _newest_first(cls, place: Optional[Place]) -> Optional[Place]:
        if place is not None and (place.sort != "-id" or place.key != place.id):
            raise PydanticCustomError("cursor_invalid", "is not a cursor this API gave out")
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
