"""The app factory. Serve with granian on uvloop (see Makefile `run`):

    granian --interface rsgi --loop uvloop main:app
    velithon run --app main:app --loop uvloop

Nothing connects at import: granian forks workers from a master that imported this module,
so pools are opened per worker in the startup hook.
"""

import asyncio
from collections.abc import Sequence

import structlog
from velithon import Velithon
from velithon.middleware import Middleware
from velithon.routing import Router

from config import Settings, get_settings
from containers import apply_overrides, container
from middleware.auth import JWTAuthMiddleware
from middleware.errors import install_error_boundary
from middleware.logging import (
    AccessLogMiddleware,
    access_log,
    configure_logging,
    take_over_velithon_logging,
)
from routes import ROUTERS
from routes.openapi import document

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings | None = None,
    extra_routers: Sequence[Router] = (),
    extra_public_prefixes: Sequence[str] = (),
) -> Velithon:
    settings = settings or get_settings()
    configure_logging(settings)
    app = Velithon(
        title=settings.app_name,
        version=settings.app_version,
        # Outermost first. Velithon always adds its request-context and (silenced) logging
        # middleware outside these.
        middleware=[
            # The request id and the access line must see every request and every status.
            Middleware(AccessLogMiddleware),
            # Innermost: a 401 still gets a request id and an access line.
            Middleware(JWTAuthMiddleware, extra_public_prefixes=extra_public_prefixes),
        ],
    )
    for router in [*ROUTERS, *extra_routers]:
        app.include_router(router)
    # After every route exists: include_router copies routes at call time.
    install_error_boundary(app.router)
    document(app)
    app.register_container(container)

    @app.on_startup()
    async def open_resources() -> None:
        take_over_velithon_logging(settings)
        apply_overrides(settings)
        await container.open()
        loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
        log.info("worker_started", environment=settings.environment, loop=loop)

    @app.on_shutdown()
    async def close_resources() -> None:
        await container.close()
        access_log.flush()

    return app


app = create_app()
