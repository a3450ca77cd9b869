"""GET /admin/stats: the numbers an admin's dashboard shows."""

from datetime import date

from pydantic import BaseModel

from models.base import Money


class DaySales(BaseModel):
    day: date  # UTC
    orders: int
    revenue: Money


class BestSeller(BaseModel):
    product_id: int
    units: int


class AdminStats(BaseModel):
    users: int
    products: int  # in the catalogue (not archived)
    orders: int
    last_30_days: list[DaySales]  # oldest first, days without orders included
    best_sellers_today: list[BestSeller]  # from the analytics counts (may lag or miss some)
