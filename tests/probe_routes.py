"""Probe routes that exercise the error boundary and the input rules: a body model, a path
parameter, a query parameter, and a handler that writes then raises. Served by
tests/probe_app.py only; public and not rate limited."""

import asyncio
from typing import Annotated, Optional

import structlog
from pydantic import Field
from velithon.params import Path
from velithon.requests import Request
from velithon.responses import JSONResponse

from containers import Provide, container
from models.base import InputModel
from services.database_service import DatabaseService
from services.redis_service import RedisService
from services.user_service import UserService
from web.route import Route

SIDE_EFFECT_KEY = "probe:side-effects"
LEAKY_MESSAGE = "password=hunter2 at db.internal:5432"
ROW_SECRET = "$argon2id$v=19$m=65536,t=3,p=4$probe-secret-hash"
log = structlog.get_logger("probe")


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


async def database_secret(db: DatabaseService = Provide[container.database]) -> JSONResponse:
    """An error whose server message carries what looks like row contents (P0001)."""
    await db.execute(
        f"DO $$ BEGIN RAISE EXCEPTION 'Failing row contains (%)', '{ROW_SECRET}'; END $$"
    )
    return JSONResponse({})


async def null_name(
    user_id: Annotated[int, Path()], users: UserService = Provide[container.users]
) -> JSONResponse:
    """What PATCH /users/me did before its model refused null: NULL into a NOT NULL column."""
    row = await users.update_own_account(
        user_id, "00000000-0000-0000-0000-000000000000", {"name": None}
    )
    return JSONResponse({"id": row.id})


STARTED_KEY = "probe:started"


async def slow(
    request: Request,
    ms: int = 500,
    db: DatabaseService = Provide[container.database],
    redis: RedisService = Provide[container.redis],
) -> JSONResponse:
    """Notes its request id as started, sleeps, then asks PostgreSQL: a request in flight when
    the server is told to stop."""
    await redis.client.sadd(redis.key(STARTED_KEY), request.headers.get("x-request-id") or "")
    await asyncio.sleep(ms / 1000)
    return JSONResponse({"slept_ms": ms, "database": await db.fetchval("SELECT 1")})


async def long_line(size: int = 3000) -> JSONResponse:
    log.warning("probe_long_line", padding="x" * size)
    return JSONResponse({"logged": size})


def probe(method: str, path: str, endpoint: object) -> Route:
    return Route(method, path, endpoint, access="public", rate_limit="exempt")  # type: ignore[arg-type]


ROUTES = [
    probe("POST", "/probe/items", create_item),
    probe("GET", "/probe/items/{item_id}", get_item),
    probe("GET", "/probe/search", search),
    probe("POST", "/probe/fail", write_then_fail),
    probe("POST", "/probe/database-secret", database_secret),
    probe("POST", "/probe/null-name/{user_id}", null_name),
    probe("POST", "/probe/long-line", long_line),
    probe("GET", "/probe/slow", slow),
]
