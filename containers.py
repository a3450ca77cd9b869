"""The dependency-injection container: settings -> pools -> services, one of each per worker.

Every service is built on first use, once per process, from the builders below. Endpoints
name what they need with Velithon's marker, `users: UserService = Provide[container.users]`
(web/binding.py resolves it); middleware and scripts call `container.get(container.users)`.
Both go through get(), so an override (the test seam, override()) reaches every one of them.

Velithon's own ServiceContainer is not used: its SingletonProvider passes keyword arguments
through unresolved, and its @inject lets a query parameter replace a service
(docs/velithon-quirks.md, 7 and 8).
"""

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from swagger_ui_bundle import swagger_ui_path
from velithon.di import Provide

from config import Settings, get_settings
from services.account_token_service import RESET_PASSWORD, VERIFY_EMAIL, AccountTokenService
from services.analytics_service import AnalyticsService  # example-shop:line
from services.auth_service import AuthService
from services.cache_service import CacheService
from services.content_types import sniffer  # example-shop:line
from services.database_service import DatabaseService
from services.email_service import EmailService
from services.export_service import ExportService  # example-shop:line
from services.health_service import HealthService
from services.image_service import ImageService  # example-shop:line
from services.job_service import JobQueue
from services.job_worker import JobWorker
from services.metrics_service import MetricsService
from services.order_service import ORDER_CONFIRMATION, OrderService  # example-shop:line
from services.password_reset_service import PasswordResetService
from services.password_service import PasswordService
from services.product_service import ProductService  # example-shop:line
from services.rate_limit_service import RateLimitService
from services.redis_service import RedisService
from services.session_service import SessionService
from services.static_files import StaticFiles
from services.stats_service import StatsService  # example-shop:line
from services.storage import LocalDiskStore
from services.token_service import TokenService
from services.totp_service import TotpService
from services.user_service import UserService
from services.verification_service import VerificationService

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent


class Provider(Generic[T]):
    """How to build one service from the container (its dependencies come from get())."""

    def __init__(self, build: Callable[["Container"], T]) -> None:
        self.build = build
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Provider({self.name})"


class Container:
    settings: Provider[Settings] = Provider(lambda c: get_settings())
    database = Provider(lambda c: DatabaseService(c.get(c.settings)))
    redis = Provider(lambda c: RedisService(c.get(c.settings)))
    passwords = Provider(lambda c: PasswordService(c.get(c.settings)))
    tokens = Provider(lambda c: TokenService(c.get(c.settings)))
    sessions = Provider(
        lambda c: SessionService(c.get(c.settings), c.get(c.database), c.get(c.redis))
    )
    rate_limits = Provider(lambda c: RateLimitService(c.get(c.redis)))
    static_files = Provider(lambda c: StaticFiles(ROOT / "static"))
    swagger_ui = Provider(lambda c: StaticFiles(Path(str(swagger_ui_path))))  # for /docs
    health = Provider(lambda c: HealthService(c.get(c.settings), c.get(c.database), c.get(c.redis)))
    cache = Provider(lambda c: CacheService(c.get(c.settings), c.get(c.redis)))
    email = Provider(lambda c: EmailService(c.get(c.settings)))
    jobs = Provider(lambda c: JobQueue(c.get(c.database)))
    metrics = Provider(lambda c: MetricsService(c.get(c.settings), c.get(c.jobs)))
    # Where uploads are kept; an S3-compatible store would be built here (services/storage.py).
    uploads = Provider(lambda c: LocalDiskStore(Path(c.get(c.settings).upload_path)))
    account_tokens = Provider(
        lambda c: AccountTokenService(
            c.get(c.settings),
            c.get(c.database),
            c.get(c.jobs),
            c.get(c.email),
            c.get(c.rate_limits),
        )
    )
    verification = Provider(
        lambda c: VerificationService(c.get(c.settings), c.get(c.database), c.get(c.account_tokens))
    )
    totp = Provider(lambda c: TotpService(c.get(c.settings), c.get(c.database), c.get(c.passwords)))
    password_reset = Provider(
        lambda c: PasswordResetService(
            c.get(c.settings),
            c.get(c.database),
            c.get(c.account_tokens),
            c.get(c.passwords),
            c.get(c.sessions),
        )
    )
    users = Provider(
        lambda c: UserService(
            c.get(c.database), c.get(c.passwords), c.get(c.sessions), c.get(c.account_tokens)
        )
    )
    auth = Provider(
        lambda c: AuthService(
            c.get(c.settings),
            c.get(c.database),
            c.get(c.users),
            c.get(c.passwords),
            c.get(c.tokens),
            c.get(c.sessions),
            c.get(c.redis),
            c.get(c.totp),
        )
    )
    # example-shop:begin
    # The example shop (docs/starting-a-project.md says how to drop it).
    products = Provider(lambda c: ProductService(c.get(c.database), c.get(c.cache)))
    analytics = Provider(lambda c: AnalyticsService(c.get(c.redis)))
    export = Provider(lambda c: ExportService(c.get(c.database)))
    stats = Provider(lambda c: StatsService(c.get(c.database), c.get(c.analytics)))
    orders = Provider(
        lambda c: OrderService(
            c.get(c.database),
            c.get(c.jobs),
            c.get(c.products),
            c.get(c.email),
            c.get(c.settings).app_name,
            c.get(c.settings).mail_from,
        )
    )
    images = Provider(
        lambda c: ImageService(
            c.get(c.database),
            c.get(c.uploads),
            sniffer(),
            c.get(c.settings).allowed_extensions,
            c.get(c.settings).max_file_size,
        )
    )
    # example-shop:end
    # What the job worker runs: each durable job's entrypoint and its handler.
    job_worker = Provider(
        lambda c: JobWorker(
            c.get(c.settings),
            c.get(c.database),
            {
                # entrypoint: the coroutine that does the job
                VERIFY_EMAIL: c.get(c.verification).send_link,
                RESET_PASSWORD: c.get(c.password_reset).send_link,
                ORDER_CONFIRMATION: c.get(c.orders).send_confirmation,  # example-shop:line
            },
        )
    )

    def __init__(self) -> None:
        self._instances: dict[Provider[Any], Any] = {}
        self._overrides: dict[Provider[Any], Callable[[Container], Any]] = {}

    def get(self, provider: Provider[T]) -> T:
        try:
            return self._instances[provider]  # type: ignore[no-any-return]
        except KeyError:
            build = self._overrides.get(provider, provider.build)
            instance = self._instances[provider] = build(self)
            return instance  # type: ignore[no-any-return]

    def override(self, provider: Provider[T], build: Callable[["Container"], T]) -> None:
        """Build `provider` with `build` from now on (tests). Call before the first get()."""
        if provider in self._instances:
            raise RuntimeError(f"{provider} is already built; override it at start-up")
        self._overrides[provider] = build

    async def open(self) -> None:
        """Open the pools; called once per worker from a startup hook."""
        await self.get(self.database).connect()
        await self.get(self.redis).connect()
        await self.get(self.sessions).rebuild_denylist()  # a no-op unless Redis lost it

    async def close(self) -> None:
        await self.get(self.redis).close()
        await self.get(self.database).close()

    def apply_overrides(self, settings: Settings) -> None:
        """The one test seam: CONTAINER_OVERRIDES="module:function" gets the container."""
        if not settings.container_overrides:
            return
        module_name, _, function_name = settings.container_overrides.partition(":")
        function: Callable[[Container], None] = getattr(
            importlib.import_module(module_name), function_name
        )
        function(self)


container = Container()

__all__ = ["Container", "Provide", "Provider", "container"]
