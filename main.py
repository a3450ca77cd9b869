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
from middleware.body_limit import BodyLimitMiddleware
from middleware.client_ip import ClientAddress
from middleware.cors import CORSMiddleware
from middleware.errors import install_error_boundary
from middleware.logging import (
    AccessLogMiddleware,
    access_log,
    configure_logging,
    take_over_velithon_logging,
)
from middleware.metrics import MetricsMiddleware, mark_worker_gone, sample_pool_forever, tallies
from middleware.rate_limit import RateLimitMiddleware
from middleware.route_templates import RouteTemplates
from middleware.security_headers import SecurityHeadersMiddleware
from routes import ROUTERS
from routes.metrics import router as metrics_router
from routes.openapi import document

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings | None = None,
    extra_routers: Sequence[Router] = (),
    extra_public_prefixes: Sequence[str] = (),
) -> Velithon:
    settings = settings or get_settings()
    configure_logging(settings)
    routes = RouteTemplates()
    app = Velithon(
        title=settings.app_name,
        version=settings.app_version,
        # The stack, outermost first (Velithon adds its request-context and, silenced, its
        # logging middleware outside it). Each layer sees every answer of the layers inside.
        middleware=[
            # Request id, route template, client address and the access line: every request,
            # every status, including everything refused further in.
            Middleware(
                AccessLogMiddleware,
                routes=routes,
                client_address=ClientAddress(settings.trusted_proxies),
            ),
            # Counts every answer (401s, 413s and 429s too) under its route template.
            Middleware(MetricsMiddleware),
            # Headers go on every response, errors included, so they sit outside all refusals.
            Middleware(SecurityHeadersMiddleware, settings=settings),
            # Preflights are answered before anything below can refuse them.
            Middleware(CORSMiddleware, settings=settings),
            # Refuse oversized bodies before spending a rate-limit slot or a token check.
            Middleware(BodyLimitMiddleware, max_size=settings.max_request_size),
            # Before auth: floods of bad tokens are limited too (per client address).
            Middleware(RateLimitMiddleware, settings=settings),
            # Innermost middleware; the error boundary then wraps each route (errors.py).
            Middleware(JWTAuthMiddleware, extra_public_prefixes=extra_public_prefixes),
        ],
    )
    routers = [*ROUTERS, *([metrics_router] if settings.metrics_enabled else []), *extra_routers]
    for router in routers:
        app.include_router(router)
    # After every route exists: include_router copies routes at call time.
    install_error_boundary(app.router)
    routes.load(app.router.routes)
    document(app)
    app.register_container(container)
    background: list[asyncio.Task[None]] = []

    @app.on_startup()
    async def open_resources() -> None:
        take_over_velithon_logging(settings)
        apply_overrides(settings)
        await container.open()
        background.append(asyncio.create_task(sample_pool_forever()))
        loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
        log.info("worker_started", environment=settings.environment, loop=loop)

    @app.on_shutdown()
    async def close_resources() -> None:
        for task in background:
            task.cancel()
        await container.close()
        tallies.flush()
        mark_worker_gone()
        access_log.flush()

    return app


app = create_app()
