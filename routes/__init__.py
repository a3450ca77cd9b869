"""URL -> endpoint wiring only: paths, methods, tags, documentation. No logic."""

from velithon.routing import Router

from routes.admin import router as admin_router
from routes.auth import router as auth_router
from routes.health import router as health_router
from routes.pages import router as pages_router
from routes.users import router as users_router

ROUTERS: list[Router] = [health_router, pages_router, users_router, auth_router, admin_router]
