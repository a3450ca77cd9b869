"""CORS, written here because Velithon's CORSMiddleware reflects any Origin on preflight and
never sends Access-Control-Allow-Origin for listed origins (docs/velithon-quirks.md).

- Preflight (OPTIONS with Access-Control-Request-Method): answered here, 204 with the allowed
  methods and headers for an allowed origin and method; 403 otherwise.
- Other requests from an allowed origin get Access-Control-Allow-Origin (the origin itself,
  or "*" when every origin is allowed and credentials are not), and the exposed headers.
- Vary: Origin always, so caches never serve one origin's answer to another.
- "*" together with credentials is refused at start (config.py).
"""

from typing import Any

from velithon.datastructures import Protocol, Scope

from config import Settings
from web.problems import problem

EXPOSED = "X-Request-ID, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After"


class CORSMiddleware:
    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self._any_origin = "*" in settings.cors_origins
        self._origins = frozenset(settings.cors_origins)
        self._methods = frozenset(m.upper() for m in settings.cors_methods)
        self._any_header = "*" in settings.cors_headers
        self._headers = frozenset(h.lower() for h in settings.cors_headers)
        self._credentials = settings.cors_allow_credentials
        self._preflight_common = [
            ("access-control-allow-methods", ", ".join(sorted(self._methods))),
            ("access-control-max-age", str(settings.cors_max_age)),
        ]

    def _allows(self, origin: str) -> bool:
        return self._any_origin or origin in self._origins

    def _origin_headers(self, origin: str) -> list[tuple[str, str]]:
        wildcard = self._any_origin and not self._credentials
        headers = [("access-control-allow-origin", "*" if wildcard else origin)]
        if self._credentials:
            headers.append(("access-control-allow-credentials", "true"))
        return headers

    async def __call__(self, scope: Scope, protocol: Protocol) -> None:
        origin = scope.headers.get("origin") if scope.proto == "http" else None
        if not origin:
            await self.app(scope, protocol)
            return
        requested = scope.headers.get("access-control-request-method")
        if scope.method == "OPTIONS" and requested:
            await self._preflight(scope, protocol, origin, requested)
            return
        protocol.update_headers([("vary", "Origin")])
        if self._allows(origin):
            protocol.update_headers(
                [*self._origin_headers(origin), ("access-control-expose-headers", EXPOSED)]
            )
        await self.app(scope, protocol)

    async def _preflight(self, scope: Scope, protocol: Protocol, origin: str, method: str) -> None:
        asked = scope.headers.get("access-control-request-headers") or ""
        asked_headers = [h.strip().lower() for h in asked.split(",") if h.strip()]
        headers_ok = self._any_header or all(h in self._headers for h in asked_headers)
        if not (self._allows(origin) and method.upper() in self._methods and headers_ok):
            detail = "This cross-origin request is not allowed."
            await problem(scope, 403, detail, headers={"Vary": "Origin"})(scope, protocol)
            return
        protocol.response_empty(
            204,
            [
                *self._origin_headers(origin),
                *self._preflight_common,
                ("access-control-allow-headers", ", ".join(asked_headers)),
                ("vary", "Origin"),
            ],
        )
