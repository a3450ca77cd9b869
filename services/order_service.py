"""Orders: placing one (stock, prices, the order, its lines and its confirmation job in one
transaction), reading them, and the confirmation e-mail job.

No overselling: the products are locked (SELECT ... FOR UPDATE, in id order so that two orders
never wait on each other crosswise) before their stock is checked and decremented, so
concurrent orders for the last items go one after the other and the later ones see the stock
the earlier left.

Idempotency-Key: the first statement of the transaction claims (user, key). A retry that
arrives while the first is still running waits on that row and, once it commits, finds the key
taken and answers with the first order: one order however many retries run at once. A key is
kept for 24 hours (KEY_LIFETIME); the same key with another body is refused.
"""

import hashlib
from decimal import Decimal
from typing import Any, Optional

import asyncpg
import orjson

from models.base import MONEY_MAX
from models.order import OrderCreate, OrderFilter, OrderLineOut, OrderOut, OrderPage
from models.pagination import encode_cursor
from services.database_service import DatabaseService
from services.email_service import EmailService, Mail, message_id
from services.errors import ConflictError, InvalidFieldError, NotFoundError
from services.job_service import JobQueue
from services.product_service import CACHE as PRODUCTS_CACHE
from services.product_service import ProductService

# The durable job that sends an order's confirmation (the job worker maps it to
# send_confirmation: containers.py).
ORDER_CONFIRMATION = "order_confirmation"
KEY_LIFETIME = "interval '24 hours'"
REPLAY = (
    "SELECT request_hash, order_id FROM order_requests WHERE user_id = $1 AND key = $2 "  # noqa: S608
    "AND created_at > now() - " + KEY_LIFETIME
)
# Claims the key, or takes over one older than its lifetime; no row back: the key is taken.
CLAIM = (
    "INSERT INTO order_requests (user_id, key, request_hash) VALUES ($1, $2, $3) "  # noqa: S608
    "ON CONFLICT (user_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, "
    "order_id = NULL, created_at = now() "
    "WHERE order_requests.created_at <= now() - " + KEY_LIFETIME + " RETURNING true"
)
LOCK_PRODUCTS = (
    "SELECT id, name, price, stock FROM products "
    "WHERE id = ANY($1::bigint[]) AND archived_at IS NULL ORDER BY id FOR UPDATE"
)
TAKE_STOCK = (
    "UPDATE products SET stock = stock - taken.quantity "
    "FROM unnest($1::bigint[], $2::integer[]) AS taken (id, quantity) WHERE products.id = taken.id"
)
INSERT_ORDER = "INSERT INTO orders (user_id, total) VALUES ($1, $2) RETURNING id, created_at"
INSERT_LINES = (
    "INSERT INTO order_lines (order_id, product_id, quantity, unit_price) "
    "SELECT $1, * FROM unnest($2::bigint[], $3::integer[], $4::numeric[])"
)
KEEP_ORDER = "UPDATE order_requests SET order_id = $3 WHERE user_id = $1 AND key = $2"
# An order as OrderOut: its lines (in product order) as JSON, their names from the catalogue.
ORDERS = (
    "SELECT o.id, o.user_id, o.total, o.created_at, "
    "json_agg(json_build_object('product_id', l.product_id, 'name', p.name, "
    "'quantity', l.quantity, 'unit_price', l.unit_price::text) ORDER BY l.product_id) AS lines "
    "FROM orders o JOIN order_lines l ON l.order_id = o.id JOIN products p ON p.id = l.product_id "
)
BY_ID = ORDERS + "WHERE o.id = $1 AND ($2::bigint IS NULL OR o.user_id = $2) GROUP BY o.id"
PAGE = (
    ORDERS + "WHERE ($1::bigint IS NULL OR o.user_id = $1) AND ($2::bigint IS NULL OR o.id < $2) "
    "GROUP BY o.id ORDER BY o.id DESC LIMIT $3"
)
TO_CONFIRM = (
    "SELECT o.id, o.total, o.confirmation_sent_at, u.email, u.name FROM orders o "
    "JOIN users u ON u.id = o.user_id WHERE o.id = $1 FOR UPDATE OF o"
)
NO_SUCH_ORDER = "No order with this id."


class KeyTaken(Exception):
    """The Idempotency-Key was claimed meanwhile: roll back, answer with its order."""


def request_hash(order: OrderCreate) -> str:
    return hashlib.sha256(order.canonical().encode()).hexdigest()


def _order(row: Optional[asyncpg.Record]) -> OrderOut:
    if row is None:
        raise NotFoundError(NO_SUCH_ORDER)
    return OrderOut.model_validate({**row, "lines": orjson.loads(row["lines"])})


class OrderService:
    def __init__(
        self,
        database: DatabaseService,
        jobs: JobQueue,
        products: ProductService,
        email: EmailService,
        app_name: str,
        mail_from: str,
    ) -> None:
        self._db = database
        self._jobs = jobs
        self._products = products
        self._email = email
        self._app_name = app_name
        self._mail_from = mail_from

    async def place(
        self, user_id: int, order: OrderCreate, idempotency_key: Optional[str] = None
    ) -> tuple[OrderOut, bool]:
        """The new order, or with a known Idempotency-Key the first one; and whether it is
        that replay."""
        digest = request_hash(order)
        if idempotency_key is not None:
            replayed = await self._replay(user_id, idempotency_key, digest)
            if replayed is not None:
                return replayed, True
        try:
            placed = await self._place(user_id, order, idempotency_key, digest)
        except KeyTaken:
            replayed = await self._replay(user_id, idempotency_key or "", digest)
            if replayed is None:  # taken and gone within 24 h: never seen in practice
                raise ConflictError("This Idempotency-Key is in use; retry.") from None
            return replayed, True
        await self._products.cache.invalidate(PRODUCTS_CACHE)  # stock changed
        return placed, False

    async def refill_product_cache(self, order: OrderOut) -> None:
        """The ordered products' details back in the cache place() emptied: work that may be
        lost, for after the response."""
        await self._products.warm([line.product_id for line in order.lines])

    async def _place(
        self, user_id: int, order: OrderCreate, key: Optional[str], digest: str
    ) -> OrderOut:
        wanted = order.quantities()
        async with self._db.transaction() as conn:
            if key is not None and not await conn.fetchval(CLAIM, user_id, key, digest):
                raise KeyTaken
            products = {row["id"]: row for row in await conn.fetch(LOCK_PRODUCTS, list(wanted))}
            positions = {item.product_id: i for i, item in reversed(list(enumerate(order.items)))}
            for product_id, quantity in wanted.items():
                product = products.get(product_id)
                if product is None:
                    raise InvalidFieldError(
                        f"items.{positions[product_id]}.product_id",
                        "No such product (or archived).",
                    )
                if product["stock"] < quantity:  # also a sum beyond any stock: never stored
                    raise ConflictError(
                        f"Product {product['id']} ({product['name']}) has {product['stock']} "
                        f"in stock, fewer than the {quantity} ordered."
                    )
            ids = sorted(wanted)
            quantities = [wanted[i] for i in ids]
            prices: list[Decimal] = [products[i]["price"] for i in ids]
            total = sum((p * q for p, q in zip(prices, quantities, strict=True)), Decimal(0))
            if total > MONEY_MAX:
                raise InvalidFieldError("items", f"The total may be at most {MONEY_MAX}.")
            await conn.execute(TAKE_STOCK, ids, quantities)
            inserted = await conn.fetchrow(INSERT_ORDER, user_id, total)
            order_id: int = inserted["id"]
            await conn.execute(INSERT_LINES, order_id, ids, quantities, prices)
            if key is not None:
                await conn.execute(KEEP_ORDER, user_id, key, order_id)
            await self._jobs.enqueue(
                conn,
                ORDER_CONFIRMATION,
                {"order_id": order_id},
                dedupe_key=f"{ORDER_CONFIRMATION}:{order_id}",
            )
        # The order as written, from what this transaction holds: no second read of it.
        lines = [
            OrderLineOut(product_id=i, name=products[i]["name"], quantity=q, unit_price=p)
            for i, q, p in zip(ids, quantities, prices, strict=True)
        ]
        return OrderOut(
            id=order_id,
            user_id=user_id,
            total=total,
            lines=lines,
            created_at=inserted["created_at"],
        )

    async def _replay(self, user_id: int, key: str, digest: str) -> Optional[OrderOut]:
        row = await self._db.fetchrow(REPLAY, user_id, key)
        if row is None or row["order_id"] is None:
            return None
        if row["request_hash"] != digest:
            raise InvalidFieldError(
                "Idempotency-Key", "This key was used with another request body.", "header"
            )
        return await self.get(row["order_id"])

    async def get(self, order_id: int, owner: Optional[int] = None) -> OrderOut:
        """The order; with `owner`, only if it is theirs (404 otherwise, as if none)."""
        return _order(await self._db.fetchrow(BY_ID, order_id, owner))

    async def page(self, query: OrderFilter, owner: Optional[int] = None) -> OrderPage:
        before = None if query.cursor is None else query.cursor.id
        rows = await self._db.fetch(PAGE, owner, before, query.limit + 1)
        items = [_order(row) for row in rows[: query.limit]]
        more = len(rows) > query.limit
        last = items[-1].id if items else 0
        return OrderPage(
            items=items,
            next_cursor=encode_cursor("-id", last, last) if more else None,
            limit=query.limit,
        )

    async def send_confirmation(self, order_id: int) -> None:
        """The job: e-mail the order to its customer, once. The order row stays locked while
        the message goes out and is marked sent in the same transaction, so a second worker
        (after a takeover) waits and then finds it sent. Only a crash after the SMTP server
        took the message and before the commit sends it twice; both copies carry the same
        Message-ID."""
        async with self._db.transaction() as conn:
            row = await conn.fetchrow(TO_CONFIRM, order_id)
            if row is None or row["confirmation_sent_at"] is not None:
                return
            order = _order(await conn.fetchrow(BY_ID, order_id, None))
            await self._email.send(self._confirmation(order, row["email"], row["name"]))
            await conn.execute(
                "UPDATE orders SET confirmation_sent_at = now() WHERE id = $1", order_id
            )

    def _confirmation(self, order: OrderOut, to: str, name: str) -> Mail:
        lines: list[dict[str, Any]] = [
            {
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": f"{line.unit_price:.2f}",
                "amount": f"{line.unit_price * line.quantity:.2f}",
            }
            for line in order.lines
        ]
        return Mail(
            to=to,
            subject=f"Your order {order.id}",
            template="order_confirmation",
            context={
                "name": name,
                "order_id": order.id,
                "lines": lines,
                "total": f"{order.total:.2f}",
                "app_name": self._app_name,
            },
            message_id=message_id("order-confirmation", order.id, self._mail_from),
        )
