"""URL -> endpoint wiring only: paths, methods, tags, documentation. No logic."""

from velithon.routing import Router

from routes.health import router as health_router
from routes.pages import router as pages_router

ROUTERS: list[Router] = [health_router, pages_router]
