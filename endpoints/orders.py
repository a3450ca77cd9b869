"""Orders: a customer places and reads their own; admins read everyone's."""

from typing import Annotated, Optional

from pydantic import Field
from velithon.params import Header, Path, Query
from velithon.responses import JSONResponse, Response

from containers import Provide, container
from endpoints.dependencies import current_user
from models.order import IDEMPOTENCY_KEY_PATTERN, OrderCreate, OrderFilter, OrderOut
from services.analytics_service import AnalyticsService
from services.order_service import OrderService
from services.token_service import Principal
from web.background import Priority, Task, after_response

IdempotencyKey = Annotated[
    Optional[str],
    Header(alias="Idempotency-Key"),
    Field(
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Retrying with the same key and body within 24 h returns the first order",
    ),
]


def _viewer(me: Principal) -> Optional[int]:
    """Whose orders the caller may see: their own, or everyone's (None) for an admin."""
    return None if me.role == "admin" else me.user_id


def _order_json(order: OrderOut, status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(order.model_dump(mode="json"), status_code=status, headers=headers)


async def place_order(
    body: OrderCreate,
    me: Annotated[Principal, current_user],
    idempotency_key: IdempotencyKey = None,
    orders: OrderService = Provide[container.orders],
    analytics: AnalyticsService = Provide[container.analytics],
) -> Response:
    order, replayed = await orders.place(me.user_id, body, idempotency_key)
    location = {"Location": f"/orders/{order.id}"}
    if replayed:
        return _order_json(order, 201, **location, **{"Idempotent-Replayed": "true"})
    sold = [(line.product_id, line.quantity) for line in order.lines]
    return after_response(
        _order_json(order, 201, **location),
        Task(Priority.HIGH, "warm_product_cache", lambda: orders.refill_product_cache(order)),
        Task(Priority.LOW, "record_sale", lambda: analytics.record_sale(sold)),
    )


async def list_orders(
    query: Annotated[OrderFilter, Query()],
    me: Annotated[Principal, current_user],
    orders: OrderService = Provide[container.orders],
) -> JSONResponse:
    page = await orders.page(query, owner=_viewer(me))
    return JSONResponse(page.model_dump(mode="json"))


async def read_order(
    order_id: Annotated[int, Path()],
    me: Annotated[Principal, current_user],
    orders: OrderService = Provide[container.orders],
) -> JSONResponse:
    return _order_json(await orders.get(order_id, owner=_viewer(me)))
