"""The app factory. Serve it with `make run` (scripts/serve.py: granian, RSGI, uvloop), or:

    granian --interface rsgi --loop uvloop main:app
    velithon run --app main:app --loop uvloop

Nothing connects at import: granian forks workers from a master that imported this module,
so pools are opened per worker in the startup hook. A worker that cannot start (the wrong
event loop, a backend that cannot be reached) says why in one line and exits.
"""

import asyncio
import os
import sys
from collections.abc import Sequence

import structlog
from velithon import Velithon
from velithon.middleware import Middleware

from config import Settings, get_settings
from containers import container
from endpoints import docs
from middleware.access_log import AccessLogMiddleware
from middleware.auth import JWTAuthMiddleware
from middleware.body_limit import BodyLimitMiddleware
from middleware.cors import CORSMiddleware
from middleware.errors import install_error_boundary
from middleware.metrics import MetricsMiddleware
from middleware.rate_limit import RateLimitMiddleware, class_limit
from middleware.security_headers import SecurityHeadersMiddleware
from observability.access_log import access_log
from observability.logs import configure_logging, take_over_velithon_logging
from observability.metrics import mark_worker_gone, sample_pool_forever, tallies
from services.connectivity import StartupError, check_backends
from services.storage import check_uploads
from web import openapi
from web.binding import bind
from web.client_address import ClientAddress
from web.route import Route
from web.route_table import RouteTable, declared_routes

log = structlog.get_logger(__name__)
SUPPORTED_LOOPS = ("uvloop", "asyncio")


def refuse_unsupported_loop() -> str:
    """Velithon's and granian's default loop, rloop, cannot open unix sockets (the embedded
    servers') nor negotiate asyncpg's TLS (sslmode=prefer), and leaks memory under load."""
    loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
    if loop not in SUPPORTED_LOOPS:
        raise StartupError(
            f"the event loop is {loop}, which this app cannot run on (no unix sockets, no "
            "TLS to PostgreSQL): start it with --loop uvloop (or `make run`)"
        )
    return loop


def stop_worker(exc: StartupError) -> None:
    """Exit this worker with one line: a raising startup hook would print a traceback."""
    sys.stderr.write(f"{exc}\n")
    sys.stderr.flush()
    os._exit(3)


def route_body_limit(settings: Settings, route: Route) -> int:
    """The byte limit a route's declaration names (web/route.py `body_limit`)."""
    limit = getattr(settings, route.body_limit or "", None)
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise ValueError(f"{route}: body_limit={route.body_limit!r} names no integer setting")
    return limit


def create_app(settings: Settings | None = None, extra_routes: Sequence[Route] = ()) -> Velithon:
    settings = settings or get_settings()
    configure_logging(settings)
    access_log.enabled = settings.access_log
    access_log.json_lines = settings.json_logs
    routes = [
        route
        for route in (*declared_routes(), *extra_routes)
        if route.enabled_by is None or getattr(settings, route.enabled_by)
    ]
    table = RouteTable(routes)
    for route in table.routes:  # a rate-limit class without its setting stops the start here
        if route.rate_limited:
            class_limit(settings, route.rate_limit)
    bindings = {route: bind(route, container) for route in table.routes}
    app = Velithon(
        title=settings.app_name,
        version=settings.app_version,
        openapi_url=None,  # ours are declared routes (routes/docs.py)
        docs_url=None,
        # The stack, outermost first (Velithon adds its request-context and, silenced, its
        # logging middleware outside it). Each layer sees every answer of the layers inside.
        middleware=[
            # Request id, matched route, client address and the access line: every request,
            # every status, including everything refused further in.
            Middleware(
                AccessLogMiddleware,
                routes=table,
                client_address=ClientAddress(settings.trusted_proxies),
                debug=settings.log_level == "DEBUG",
            ),
            # Counts every answer (401s, 413s and 429s too) under its route template.
            Middleware(MetricsMiddleware),
            # Headers go on every response, errors included, so they sit outside all refusals.
            Middleware(SecurityHeadersMiddleware, settings=settings),
            # Preflights are answered before anything below can refuse them.
            Middleware(CORSMiddleware, settings=settings),
            # Refuse oversized bodies before spending a rate-limit slot or a token check.
            Middleware(
                BodyLimitMiddleware,
                max_size=settings.max_request_size,
                route_limits={
                    r: route_body_limit(settings, r) for r in table.routes if r.body_limit
                },
            ),
            # Before auth: floods of bad tokens are limited too (per client address).
            Middleware(RateLimitMiddleware, settings=settings, container=container),
            # Innermost middleware; the error boundary then wraps each route (errors.py).
            Middleware(JWTAuthMiddleware, container=container),
        ],
    )
    install_error_boundary(app.router, table, {r: handler for r, (_, handler) in bindings.items()})
    docs.publish(
        openapi.build(settings.app_name, settings.app_version, [b for b, _ in bindings.values()])
    )
    background: list[asyncio.Task[None]] = []
    jobs: list[asyncio.Task[None]] = []  # JOBS_IN_APP: the job worker, stopped at shutdown
    jobs_stop = asyncio.Event()

    @app.on_startup()
    async def open_resources() -> None:
        take_over_velithon_logging(settings)
        try:
            loop = refuse_unsupported_loop()
            check_uploads(settings)
            await check_backends(settings)
        except StartupError as exc:
            stop_worker(exc)
        container.apply_overrides(settings)
        await container.open()
        background.append(
            asyncio.create_task(sample_pool_forever(container.get(container.database)))
        )
        background.append(
            asyncio.create_task(container.get(container.sessions).reconcile_forever())
        )
        if settings.jobs_in_app:  # development: no separate `make worker`
            jobs.append(asyncio.create_task(container.get(container.job_worker).run(jobs_stop)))
        log.info("worker_started", environment=settings.environment, loop=loop)

    @app.on_shutdown()
    async def close_resources() -> None:
        for task in background:
            task.cancel()
        if jobs:  # the job worker finishes the jobs in hand, then returns
            jobs_stop.set()
            await asyncio.wait(jobs, timeout=settings.server_shutdown_timeout / 2)
        await container.close()
        tallies.flush()
        mark_worker_gone()
        access_log.flush()

    return app


app = create_app()
