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
