"""Probe routes that exercise the error boundary: a body model, a path parameter, a query
parameter, and a handler that writes then raises. Served by tests/probe_app.py only."""

from typing import Annotated

from pydantic import BaseModel, Field
from velithon.params import Path
from velithon.responses import JSONResponse
from velithon.routing import Router

from containers import Provide, container, inject
from services.redis_service import RedisService

SIDE_EFFECT_KEY = "probe:side-effects"
LEAKY_MESSAGE = "password=hunter2 at db.internal:5432"


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    quantity: int = Field(ge=1)


async def create_item(item: Item) -> JSONResponse:
    return JSONResponse(item.model_dump(), status_code=201)


async def get_item(item_id: Annotated[int, Path()]) -> JSONResponse:
    return JSONResponse({"item_id": item_id})


async def search(limit: int = 10) -> JSONResponse:
    return JSONResponse({"limit": limit})


@inject
async def write_then_fail(redis: RedisService = Provide[container.redis]) -> JSONResponse:
    await redis.client.incr(redis.key(SIDE_EFFECT_KEY))
    raise RuntimeError(LEAKY_MESSAGE)


router = Router()
router.add_api_route("/probe/items", create_item, methods=["POST"])
router.add_api_route("/probe/items/{item_id}", get_item, methods=["GET"])
router.add_api_route("/probe/search", search, methods=["GET"])
router.add_api_route("/probe/fail", write_then_fail, methods=["POST"])
