"""The real app (main.create_app: every middleware, the error boundary, DI, auth) plus the two
benchmark routes the app does not have. Served as `python -m scripts.serve bench.full_app:app`.

/bench/* is public (extra_public_prefixes), so these two measure the stack without a token;
/users/me is the app's own authenticated route. No `from __future__ import annotations`:
Velithon reads the raw annotations of handlers.
"""

import orjson
from velithon.responses import JSONResponse
from velithon.routing import Router

from bench.common import ITEMS, PROFILE_KEY
from containers import Provide, container, inject
from main import create_app
from services.errors import NotFoundError
from services.redis_service import RedisService


async def items() -> JSONResponse:
    return JSONResponse(ITEMS)


@inject
async def cached_profile(redis: RedisService = Provide[container.redis]) -> JSONResponse:
    raw = await redis.client.get(redis.key(*PROFILE_KEY))
    if raw is None:
        raise NotFoundError("No cached profile.")
    return JSONResponse(orjson.loads(raw))


router = Router()
router.add_api_route("/bench/items", items, methods=["GET"])
router.add_api_route("/bench/cached-profile", cached_profile, methods=["GET"])

app = create_app(extra_routers=[router], extra_public_prefixes=["/bench/"])
