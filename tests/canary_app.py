"""A bare Velithon app with none of our workarounds, to pin the upstream behaviour each
workaround exists for (tests/test_velithon_canaries.py). When a canary test fails, upstream
changed: re-check the workaround named in docs/velithon-quirks.md and drop it if it can go.
"""

import os

from pydantic import BaseModel
from velithon import Velithon
from velithon.background import BackgroundTask
from velithon.di import FactoryProvider, Provide, ServiceContainer, inject
from velithon.endpoint import HTTPEndpoint
from velithon.exceptions import NotFoundException
from velithon.middleware import Middleware
from velithon.middleware.cors import CORSMiddleware
from velithon.middleware.prometheus import PrometheusMiddleware
from velithon.requests import Request
from velithon.responses import FileResponse, JSONResponse

from tests.canary_future import future_item


class Greeter:
    def greet(self) -> str:
        return "hello"


class CanaryContainer(ServiceContainer):
    greeter = FactoryProvider(Greeter)


container = CanaryContainer()
app = Velithon()
app.register_container(container)
app.log_config.log_level = os.environ.get("CANARY_LOG_LEVEL", "INFO")
calls = {"raising": 0, "background": 0}


class Payload(BaseModel):
    name: str


@app.get("/raising")
async def raising() -> JSONResponse:
    calls["raising"] += 1
    raise RuntimeError("internal detail: db.internal:5432")


async def failing_task() -> None:
    raise RuntimeError("a background task failed")


@app.get("/background-raising")
async def background_raising() -> JSONResponse:
    calls["background"] += 1
    return JSONResponse({"ok": True}, background=BackgroundTask(failing_task))


@app.get("/header")
async def header(request: Request) -> JSONResponse:
    return JSONResponse({"x-key": request.headers.get("x-key")})


@app.get("/calls")
async def get_calls() -> JSONResponse:
    return JSONResponse(calls)


@app.get("/missing")
async def missing() -> JSONResponse:
    raise NotFoundException()


@app.get("/items/{item_id}")
async def item(item_id: int) -> JSONResponse:
    return JSONResponse({"item_id": item_id})


@app.get("/greet")
@inject
async def greet(greeter: Greeter = Provide[container.greeter]) -> JSONResponse:
    return JSONResponse({"greeter": repr(greeter)[:40]})


@app.post("/payload")
async def payload(body: Payload) -> JSONResponse:
    return JSONResponse(body.model_dump())


@app.get("/flags")
async def flags(flag: bool = True, count: int = 0) -> JSONResponse:
    return JSONResponse({"flag": flag, "count": str(count)})


app.add_route("/future", future_item, methods=["GET"])


@app.get("/file")
async def file() -> FileResponse:
    return FileResponse(os.path.join(os.path.dirname(__file__), "..", "static", "style.css"))


@app.post("/form")
async def form(request: Request) -> JSONResponse:
    parsed = await request.form()
    return JSONResponse({"fields": len(parsed)})


class Thing(HTTPEndpoint):
    async def get(self) -> JSONResponse:
        return JSONResponse({"ok": True})


app.add_route("/thing", Thing)


class Limits(BaseModel):
    burst: int = 5


class LimitsContainer(ServiceContainer):
    limits = FactoryProvider(Limits)


limits_container = LimitsContainer()


@app.get("/limits")
@inject
async def limits(config: Limits = Provide[limits_container.limits]) -> JSONResponse:
    return JSONResponse({"burst": config.burst})


@app.get("/twice")
async def twice_get() -> JSONResponse:
    return JSONResponse({"method": "GET"})


@app.post("/twice")
async def twice_post() -> JSONResponse:
    return JSONResponse({"method": "POST"})


# Velithon's own CORS and Prometheus middlewares, for the canaries that show why we wrote ours.
builtins_app = Velithon(
    middleware=[
        Middleware(PrometheusMiddleware),
        Middleware(CORSMiddleware, allow_origins=["https://ok.example"], allow_methods=["GET"]),
    ]
)


@builtins_app.get("/ping")
async def ping() -> JSONResponse:
    return JSONResponse({"pong": True})
