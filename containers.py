"""The dependency-injection container: settings -> database -> redis -> services.

Endpoints take services as `svc: T = Provide[container.x]` under `@inject` from this module.
"""

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps
from typing import Any

from velithon.di import FactoryProvider, Provide, ServiceContainer, SingletonProvider
from velithon.di import inject as velithon_inject

from config import Settings, get_settings
from services.auth_service import AuthService
from services.database_service import DatabaseService
from services.health_service import HealthService
from services.metrics_service import MetricsService
from services.password_service import PasswordService
from services.rate_limit_service import RateLimitService
from services.redis_service import RedisService
from services.token_service import TokenService
from services.user_service import UserService


# Velithon quirk: SingletonProvider passes its keyword arguments through unresolved (the
# service would receive the provider object), while FactoryProvider resolves them. So the
# long-lived pool holders are built by cached zero-argument functions that do the wiring.
@cache
def build_database() -> DatabaseService:
    return DatabaseService(get_settings())


@cache
def build_redis() -> RedisService:
    return RedisService(get_settings())


@dataclass(frozen=True)
class AppInfo:
    """What pages may show about the app. (Not Settings: Velithon would read an injected
    pydantic model from the query string and document its fields; see velithon-quirks.md.)"""

    name: str
    version: str
    environment: str


@cache
def build_app_info() -> AppInfo:
    s = get_settings()
    return AppInfo(name=s.app_name, version=s.app_version, environment=s.environment)


@cache
def build_metrics() -> MetricsService:
    return MetricsService(get_settings())


@cache
def build_passwords() -> PasswordService:
    return PasswordService(get_settings())


@cache
def build_rate_limits() -> RateLimitService:
    return RateLimitService(build_redis())


@cache
def build_tokens() -> TokenService:
    return TokenService(get_settings(), build_redis())


class Container(ServiceContainer):
    settings = SingletonProvider(get_settings)
    app_info = SingletonProvider(build_app_info)
    database = SingletonProvider(build_database)
    redis = SingletonProvider(build_redis)
    passwords = SingletonProvider(build_passwords)
    tokens = SingletonProvider(build_tokens)
    metrics_service = SingletonProvider(build_metrics)
    health_service = FactoryProvider(
        HealthService, settings=settings, database=database, redis=redis
    )
    user_service = FactoryProvider(UserService, database=database, passwords=passwords)
    auth_service = FactoryProvider(
        AuthService,
        settings=settings,
        database=database,
        users=user_service,
        passwords=passwords,
        tokens=tokens,
    )

    def __init__(self) -> None:
        super().__init__()
        self._overrides: dict[int, Any] = {}

    def override(self, provider: Any, replacement: Any) -> None:
        """Serve `replacement` (a provider) wherever `provider` is injected. For tests."""
        self._overrides[id(provider)] = replacement

    async def resolve(self, provide: Any, container: Any, resolution_stack: Any = None) -> Any:
        # `Provide[container.x]` captured the provider object at import time, so an override
        # has to be applied here, at resolution.
        if self._overrides:
            replacement = self._overrides.get(id(provide.service))
            if replacement is not None:
                provide = Provide[replacement]
        return await super().resolve(provide, container, resolution_stack)

    async def open(self) -> None:
        """Open the pools; called once per worker from a startup hook."""
        await build_database().connect()
        await build_redis().connect()

    async def close(self) -> None:
        await build_redis().close()
        await build_database().close()


container = Container()


def apply_overrides(settings: Settings) -> None:
    """The one test seam: CONTAINER_OVERRIDES="module:function" gets the container."""
    if not settings.container_overrides:
        return
    module_name, _, function_name = settings.container_overrides.partition(":")
    function: Callable[[Container], None] = getattr(
        importlib.import_module(module_name), function_name
    )
    function(container)


def inject(func: Callable[..., Any]) -> Callable[..., Any]:
    """Velithon's @inject, minus its hole: a query parameter named like an injected
    parameter (`?health_service=x`) would replace the service with the string "x".
    The wrapper's signature leaves the injected parameters out, so Velithon's request parser
    never looks for them in the request (which also spares it that work on every request),
    and the markers are handed in on every call, so the container always resolves them.
    """
    signature = inspect.signature(func)
    markers: dict[str, Provide] = {
        name: param.default
        for name, param in signature.parameters.items()
        if isinstance(param.default, Provide)
    }
    resolving = velithon_inject(func)

    @wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs.update(markers)
        return await resolving(*args, **kwargs)

    visible = [param for name, param in signature.parameters.items() if name not in markers]
    wrapper.__signature__ = signature.replace(parameters=visible)  # type: ignore[attr-defined]
    return wrapper


__all__ = ["Container", "Provide", "apply_overrides", "container", "inject"]
