"""What both benchmark apps serve and the runner seeds, so that the two do the same work."""

from typing import Any

# GET /bench/items: a JSON list of 100 small objects, built once, serialised per request.
ITEMS: list[dict[str, Any]] = [
    {
        "id": i,
        "name": f"item-{i}",
        "price_cents": 100 + 7 * i,
        "in_stock": i % 3 != 0,
        "tags": ["bench", f"group-{i % 5}"],
    }
    for i in range(100)
]

# GET /bench/cached-profile: one JSON string under REDIS_KEY_PREFIX + "bench:cached-profile".
PROFILE_KEY = ("bench", "cached-profile")

# GET /products/1 and GET /products?limit=20: 30 products; the bare app reads each answer as
# one JSON string under these keys (the full app from its cache).
PRODUCTS = (
    "INSERT INTO products (sku, name, description, price, stock) "
    "SELECT 'BENCH-' || i, 'Product ' || i, 'A product to measure with.', 9.99 + i, i "
    "FROM generate_series(1, 30) AS i"
)
PRODUCT_KEY = ("bench", "product", "1")
PRODUCTS_PAGE_KEY = ("bench", "products", "limit=20")
