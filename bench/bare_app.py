"""The endpoints bench/run.py measures, on a bare Velithon app: no middleware of ours,
no error boundary, no DI, no auth middleware, no access log. The same I/O per request, done the
plain way: the same pools (asyncpg, redis-py asyncio, sized from the same settings), the same
SQL, one Redis command per Redis step (where the full app may share one among requests).

Served with `granian --interface rsgi --loop uvloop bench.bare_app:app`. Velithon always adds
its request-context and logging middleware; its Rust per-request log line is off at WARNING,
as in the full app (middleware/logging.take_over_velithon_logging).
"""

from typing import Any

import asyncpg
import jwt
import orjson
import redis.asyncio as aioredis
from velithon import Velithon
from velithon.requests import Request
from velithon.responses import (
    JSONResponse,
    Response,  # example-shop:line
)

from bench.common import ITEMS, PROFILE_KEY
from bench.shop import PRODUCT_KEY, PRODUCTS_PAGE_KEY  # example-shop:line
from config import get_settings
from services.token_service import REQUIRED_CLAIMS

# services/user_service.py UserService.get, verbatim (same prepared statement).
USER_BY_ID = (
    "SELECT id, email, name, password_hash, role, age, is_active, created_at, updated_at "
    "FROM users WHERE id = $1"
)

settings = get_settings()  # environment only: no I/O at import (workers are forked)
PREFIX = settings.redis_key_prefix
PROFILE = PREFIX + ":".join(PROFILE_KEY)
PRODUCT = PREFIX + ":".join(PRODUCT_KEY[:-1]) + ":"  # example-shop:line
PRODUCTS_PAGE = PREFIX + ":".join(PRODUCTS_PAGE_KEY[:-1]) + ":"  # example-shop:line
JWT_KEY = settings.effective_jwt_secret.get_secret_value()

app = Velithon()
app.log_config.log_level = "WARNING"


class Pools:
    """Opened per worker by the startup hook."""

    db: asyncpg.Pool
    redis: aioredis.Redis


pools = Pools()


@app.on_startup()
async def open_pools() -> None:
    s = settings
    pools.db = await asyncpg.create_pool(
        s.database_url.get_secret_value(),
        min_size=s.db_pool_size,
        max_size=s.db_pool_size + s.db_max_overflow,
        command_timeout=s.db_command_timeout,
    )
    pools.redis = aioredis.Redis.from_url(
        s.redis_url.get_secret_value(),
        max_connections=s.redis_max_connections,
        socket_timeout=s.redis_socket_timeout,
        socket_connect_timeout=s.redis_socket_timeout,
        decode_responses=True,
    )


@app.on_shutdown()
async def close_pools() -> None:
    await pools.redis.aclose()
    await pools.db.close()


def unauthorized() -> JSONResponse:
    return JSONResponse({"detail": "unauthorized"}, status_code=401)


@app.get("/health/live")
async def liveness() -> JSONResponse:
    return JSONResponse({"status": "alive"})


@app.get("/bench/items")
async def items() -> JSONResponse:
    return JSONResponse(ITEMS)


@app.get("/bench/cached-profile")
async def cached_profile() -> JSONResponse:
    raw = await pools.redis.get(PROFILE)
    if raw is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return JSONResponse(orjson.loads(raw))


@app.get("/users/me")
async def read_me(request: Request) -> JSONResponse:
    """What the full app does for GET /users/me: verify the bearer JWT (PyJWT, same key,
    algorithm, audience, issuer, leeway, required claims), one Redis EXISTS for revocation,
    one SELECT by id; the row minus its password hash, as JSON (no pydantic models)."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return unauthorized()
    try:
        claims: dict[str, Any] = jwt.decode(
            token.strip(),
            JWT_KEY,
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            leeway=settings.jwt_leeway_seconds,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.InvalidTokenError:
        return unauthorized()
    revoked_keys = (
        f"{PREFIX}revoked-jti:{claims['jti']}",
        f"{PREFIX}revoked-session:{claims['sid']}",
    )
    if await pools.redis.exists(*revoked_keys):
        return unauthorized()
    row = await pools.db.fetchrow(USER_BY_ID, int(claims["sub"]))
    if row is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    user = dict(row)
    del user["password_hash"]
    return JSONResponse(user)


# example-shop:begin
@app.get("/products/{product_id}")
async def read_product(request: Request) -> Response:
    """A cached product: one Redis GET, its JSON sent as it is."""
    raw = await pools.redis.get(PRODUCT + request.path_params["product_id"])
    if raw is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return Response(raw, media_type="application/json")


@app.get("/products")
async def list_products(request: Request) -> Response:
    """A cached page: one Redis GET keyed by the limit, its JSON sent as it is."""
    raw = await pools.redis.get(f"{PRODUCTS_PAGE}limit={request.query_params.get('limit', 20)}")
    if raw is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return Response(raw, media_type="application/json")


# example-shop:end
