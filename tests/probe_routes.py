"""Probe routes that exercise the error boundary and the input rules: a body model, a path
parameter, a query parameter, and a handler that writes then raises. Served by
tests/probe_app.py only; public and not rate limited."""

from typing import Annotated, Optional

from pydantic import Field
from velithon.params import Path
from velithon.responses import JSONResponse

from containers import Provide, container
from models.base import InputModel
from services.redis_service import RedisService
from web.route import Route

SIDE_EFFECT_KEY = "probe:side-effects"
LEAKY_MESSAGE = "password=hunter2 at db.internal:5432"


class Item(InputModel):
    name: str = Field(min_length=1, max_length=50)
    quantity: int = Field(ge=1, le=1000)
    tags: Optional[list[str]] = None


async def create_item(item: Item) -> JSONResponse:
    return JSONResponse(item.model_dump(), status_code=201)


async def get_item(item_id: Annotated[int, Path()]) -> JSONResponse:
    return JSONResponse({"item_id": item_id})


async def search(limit: int = 10, flag: Optional[bool] = None) -> JSONResponse:
    return JSONResponse({"limit": limit, "flag": flag})


async def write_then_fail(redis: RedisService = Provide[container.redis]) -> JSONResponse:
    await redis.client.incr(redis.key(SIDE_EFFECT_KEY))
    raise RuntimeError(LEAKY_MESSAGE)


def probe(method: str, path: str, endpoint: object) -> Route:
    return Route(method, path, endpoint, access="public", rate_limit="exempt")  # type: ignore[arg-type]


ROUTES = [
    probe("POST", "/probe/items", create_item),
    probe("GET", "/probe/items/{item_id}", get_item),
    probe("GET", "/probe/search", search),
    probe("POST", "/probe/fail", write_then_fail),
]
