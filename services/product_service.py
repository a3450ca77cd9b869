"""Products: the catalogue's reads (cached, services/cache_service.py) and the admin's writes.

Rows map straight to ProductOut: the table holds nothing private. Archiving (DELETE) hides a
product from every read and keeps its row for the orders that point at it. Each write ends the
cached answers after it commits (invalidate), so the next read from any worker sees it.

The guide's batch read (`get_products_batch`, `id = ANY($1)`) is the list's `ids` filter: one
statement for any number of ids. A product's detail is one row, so there is nothing to read
concurrently; the guide's `asyncio.gather` belongs where pieces are independent queries, each
on its own pool connection (an asyncpg connection runs one query at a time).
"""

from decimal import Decimal
from typing import Any, Optional

import asyncpg

from models.pagination import encode_cursor
from models.product import ProductCreate, ProductFilter, ProductOut, ProductPage
from services.cache_service import CacheService, cache_result
from services.database_service import DatabaseService, contains
from services.errors import ConflictError, NotFoundError

CACHE = "products"
# The columns, written once; every statement returns rows of this shape, and statements are
# composed from these constants only (values are always $n parameters).
COLUMNS = "id, sku, name, description, price, stock, created_at, updated_at"
INSERT = (
    "INSERT INTO products (sku, name, description, price, stock) "
    "VALUES ($1, $2, $3, $4, $5) RETURNING " + COLUMNS
)
BY_ID = "SELECT " + COLUMNS + " FROM products WHERE id = $1 AND archived_at IS NULL"  # noqa: S608
UPDATE = (
    "UPDATE products SET sku = COALESCE($2, sku), name = COALESCE($3, name), "  # noqa: S608
    "description = COALESCE($4, description), price = COALESCE($5::numeric, price), "
    "stock = COALESCE($6::integer, stock) "
    "WHERE id = $1 AND archived_at IS NULL RETURNING " + COLUMNS
)
ARCHIVE = "UPDATE products SET archived_at = now() WHERE id = $1 AND archived_at IS NULL"
FILTERS = (
    " WHERE archived_at IS NULL AND ($1::text IS NULL OR name ILIKE $1)"
    " AND ($2::numeric IS NULL OR price >= $2) AND ($3::numeric IS NULL OR price <= $3)"
    " AND ($4::boolean IS NULL OR (stock > 0) = $4) AND ($5::bigint[] IS NULL OR id = ANY($5))"
)
# Per sort: the rows after the cursor's place ($6 the cursor's key, $7 its id: both null on
# the first page; the id order has no key), and their order, which ends with the id so that
# it is total.
AFTER_CURSOR = {
    "id": ("$6::bigint IS NULL OR id > $6", "id", "$7"),
    "name": ("$7::bigint IS NULL OR (name, id) > ($6::text, $7)", "name, id", "$8"),
    "price": ("$7::bigint IS NULL OR (price, id) > ($6::numeric, $7)", "price, id", "$8"),
    "-price": (
        "$7::bigint IS NULL OR price < $6::numeric OR (price = $6::numeric AND id > $7)",
        "price DESC, id",
        "$8",
    ),
}
# Built from the constant fragments above only: no value reaches the SQL text.
PAGES = {
    sort: "SELECT "  # noqa: S608
    + COLUMNS
    + " FROM products"
    + FILTERS
    + " AND ("
    + after
    + ") ORDER BY "
    + order
    + " LIMIT "
    + limit
    for sort, (after, order, limit) in AFTER_CURSOR.items()
}
NO_SUCH_PRODUCT = "No product with this id."
SKU_TAKEN = "A product with this SKU already exists (archived ones keep theirs)."


def _product(row: Optional[asyncpg.Record]) -> ProductOut:
    if row is None:
        raise NotFoundError(NO_SUCH_PRODUCT)
    return ProductOut.model_validate(dict(row))


class ProductService:
    def __init__(self, database: DatabaseService, cache: CacheService) -> None:
        self._db = database
        self.cache = cache

    @cache_result(CACHE)
    async def detail(self, product_id: int) -> ProductOut:
        return _product(await self._db.fetchrow(BY_ID, product_id))

    @cache_result(CACHE)
    async def page(self, query: ProductFilter) -> ProductPage:
        place = query.cursor
        if query.sort == "id":
            after: tuple[Any, ...] = (None if place is None else place.id,)
        elif place is None:
            after = (None, None)
        else:  # the key: a name, or a price as its decimal string
            after = (place.key if query.sort == "name" else Decimal(str(place.key)), place.id)
        rows = await self._db.fetch(
            PAGES[query.sort],
            contains(query.q),
            query.min_price,
            query.max_price,
            query.in_stock,
            query.ids,
            *after,
            query.limit + 1,
        )
        items = [_product(row) for row in rows[: query.limit]]
        more = len(rows) > query.limit
        return ProductPage(
            items=items,
            next_cursor=_cursor(query.sort, items[-1]) if more else None,
            limit=query.limit,
        )

    async def warm(self, product_ids: list[int]) -> None:
        """Fill the cache with these products' details again (after a write ended them)."""
        for product_id in product_ids:
            try:
                await self.detail(product_id)
            except NotFoundError:
                pass  # archived meanwhile

    async def create(self, data: ProductCreate) -> ProductOut:
        async with self._db.connection() as conn:
            try:
                row = await conn.fetchrow(
                    INSERT, data.sku, data.name, data.description, data.price, data.stock
                )
            except asyncpg.UniqueViolationError:  # the unique index on sku
                raise ConflictError(SKU_TAKEN) from None
        await self.cache.invalidate(CACHE)
        return _product(row)

    async def update(self, product_id: int, changes: dict[str, Any]) -> ProductOut:
        """Set the columns named in `changes` (sku, name, description, price, stock)."""
        async with self._db.connection() as conn:
            try:
                row = await conn.fetchrow(
                    UPDATE,
                    product_id,
                    changes.get("sku"),
                    changes.get("name"),
                    changes.get("description"),
                    changes.get("price"),
                    changes.get("stock"),
                )
            except asyncpg.UniqueViolationError:
                raise ConflictError(SKU_TAKEN) from None
        product = _product(row)
        await self.cache.invalidate(CACHE)
        return product

    async def archive(self, product_id: int) -> None:
        if await self._db.execute(ARCHIVE, product_id) != "UPDATE 1":
            raise NotFoundError(NO_SUCH_PRODUCT)
        await self.cache.invalidate(CACHE)


def _cursor(sort: str, last: ProductOut) -> str:
    if sort == "id":
        return encode_cursor(sort, last.id, last.id)
    if sort == "name":
        return encode_cursor(sort, last.name, last.id)
    return encode_cursor(sort, f"{last.price:.2f}", last.id)
