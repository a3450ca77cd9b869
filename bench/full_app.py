"""The real app (main.create_app: every middleware, the error boundary, DI, auth) plus the two
benchmark routes the app does not have. Served as `python -m scripts.serve bench.full_app:app`.

/bench/* is declared public, so these two measure the stack without a token;
/users/me is the app's own authenticated route. No `from __future__ import annotations`:
Velithon reads the raw annotations of handlers.
"""

import orjson
from velithon import Velithon
from velithon.responses import JSONResponse

from bench.common import ITEMS, PROFILE_KEY
from containers import Provide, container
from main import create_app
from services.errors import NotFoundError
from services.redis_service import RedisService
from web.route import Route


async def items() -> JSONResponse:
    return JSONResponse(ITEMS)


async def cached_profile(redis: RedisService = Provide[container.redis]) -> JSONResponse:
    raw = await redis.client.get(redis.key(*PROFILE_KEY))
    if raw is None:
        raise NotFoundError("No cached profile.")
    return JSONResponse(orjson.loads(raw))


ROUTES = [
    Route("GET", "/bench/items", items, access="public", in_schema=False),
    Route("GET", "/bench/cached-profile", cached_profile, access="public", in_schema=False),
]


def create_app_for_bench() -> Velithon:
    return create_app(extra_routes=ROUTES)


app = create_app_for_bench()
