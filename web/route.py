"""A route's facts, declared once beside its endpoint (routes/*.py) and read by everything else:
the route table (matching by template and method), the auth middleware (access), the rate
limiter (class), the security headers (policy), the access log and the OpenAPI document.

    Route("GET", "/users/{user_id}", users.read_user, summary="A user's account",
          tags=("users",), response=UserOut, errors={403: "...", 404: "No such user"})
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Optional

from pydantic import BaseModel

# public: anyone; authenticated: a valid, unrevoked access token; admin: such a token with the
# admin role (403 otherwise). Enforced by middleware/auth.py before the endpoint runs.
Access = Literal["public", "authenticated", "admin"]
ACCESS_LEVELS: tuple[str, ...] = ("public", "authenticated", "admin")
# "default", a stricter named class (its limit is the setting RATE_LIMIT_<NAME>_PER_MINUTE;
# counted per client address), or "exempt": never counted.
RATE_LIMIT_EXEMPT = "exempt"
RATE_LIMIT_DEFAULT = "default"
# Which Content-Security-Policy the response gets (middleware/security_headers.py); "files"
# for uploaded files: nothing in them may run, whatever they turn out to be.
Policy = Literal["api", "docs", "files"]


@dataclass(frozen=True, eq=False)
class Route:
    method: str
    path: str  # a template: "/users/{user_id}"; "{name:path}" matches across slashes
    endpoint: Callable[..., Awaitable[Any]]
    access: Access = "authenticated"
    # An account whose e-mail address is not verified yet may call it also under
    # UNVERIFIED_ACCOUNTS=limited (its own account and sessions); other routes answer it 403.
    unverified: bool = False
    rate_limit: str = RATE_LIMIT_DEFAULT
    # OpenAPI facts
    summary: str = ""
    tags: tuple[str, ...] = ()
    status: int = 200  # the success status
    response: Optional[type[BaseModel]] = None  # the success body (application/json)
    media_type: str = "application/json"  # of the success body
    request_body: Optional[Mapping[str, Any]] = None  # for endpoints that read their own body
    # Error statuses this endpoint itself can answer: what they mean, and the body's model when
    # it is not a problem (`{503: ("A dependency is down", HealthReport)}`). Those the stack
    # adds (400/413/415/422 for input, 401/403 for access, 429, 503) are documented for you.
    errors: Mapping[int, str | tuple[str, type[BaseModel]]] = field(default_factory=dict)
    in_schema: bool = True
    # The name of a boolean setting that must be true for the route to exist (404 otherwise).
    enabled_by: Optional[str] = None
    policy: Policy = "api"
    # Successful requests are logged at this level: "debug" keeps probes out of the log.
    log_level: Literal["info", "debug"] = "info"
    # The Settings attribute that caps this route's request body instead of MAX_REQUEST_SIZE
    # (middleware/body_limit.py): uploads.
    body_limit: Optional[str] = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", self.method.upper())
        if self.access not in ACCESS_LEVELS:
            raise ValueError(f"{self}: access must be one of {ACCESS_LEVELS}")
        if not self.path.startswith("/"):
            raise ValueError(f"{self}: the path must start with /")

    @property
    def public(self) -> bool:
        return self.access == "public"

    @property
    def rate_limited(self) -> bool:
        return self.rate_limit != RATE_LIMIT_EXEMPT

    def __repr__(self) -> str:
        name = getattr(self.endpoint, "__qualname__", repr(self.endpoint))
        return f"Route({self.method} {self.path} -> {self.endpoint.__module__}.{name})"
