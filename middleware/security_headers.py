"""The OWASP secure-headers set on every response (errors, 401s and 429s included). The
Content-Security-Policy is the one the matched route's declaration names (web/route.py
`policy`): "api" for everything, "docs" for the Swagger UI page, "files" for uploaded files.

Headers are computed once; each request only prepends the ready list (`update_headers` adds
them to whatever response is sent later, by any layer). X-XSS-Protection is "0": the old
filter the guide enables ("1; mode=block") is gone from browsers and could be abused.
"""

from typing import Any

from velithon.datastructures import Protocol, Scope

from config import Settings
from web.context import current_request

# Uploaded files: a sandbox with nothing allowed, should one ever be opened as a document.
FILES_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


def security_headers(settings: Settings, csp: str) -> list[tuple[str, str]]:
    headers = [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("content-security-policy", csp),
        ("referrer-policy", settings.referrer_policy),
        ("permissions-policy", settings.permissions_policy),
        ("cross-origin-opener-policy", "same-origin"),
        ("x-xss-protection", "0"),
    ]
    if settings.environment == "production":  # browsers pin HTTPS for max-age: only over TLS
        headers.append(
            ("strict-transport-security", f"max-age={settings.hsts_max_age}; includeSubDomains")
        )
    return headers


class SecurityHeadersMiddleware:
    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self._headers = security_headers(settings, settings.content_security_policy)
        self._by_policy = {
            "docs": security_headers(settings, settings.docs_content_security_policy),
            "files": security_headers(settings, FILES_CSP),
        }

    async def __call__(self, scope: Scope, protocol: Protocol) -> None:
        if scope.proto == "http":
            info = current_request.get()
            route = info.route if info is not None else None
            if route is None or route.policy == "api":
                protocol.update_headers(self._headers)
            else:
                protocol.update_headers(self._by_policy[route.policy])
        await self.app(scope, protocol)
