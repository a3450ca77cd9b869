"""The outermost layer of ours: request id in and out, the matched route and the client address
worked out once for every layer inside (web/context.py), and one access line per request
(observability/access_log.py), whatever answered it. Successful requests to routes declared
with log_level="debug" (health probes) are logged only at LOG_LEVEL=DEBUG."""

import re
from time import perf_counter
from typing import Any

from velithon.datastructures import Protocol, Scope

from observability.access_log import access_log
from web.client_address import ClientAddress, peer_address
from web.context import RequestInfo, current_request
from web.route_table import RouteTable
from web.velithon_private import read_request_id, write_request_id

REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


class AccessLogMiddleware:
    def __init__(
        self, app: Any, routes: RouteTable, client_address: ClientAddress, debug: bool
    ) -> None:
        self.app = app
        self._routes = routes
        self._client_address = client_address
        self._debug = debug

    async def __call__(self, scope: Scope, protocol: Protocol) -> None:
        if scope.proto != "http":
            await self.app(scope, protocol)
            return
        started = perf_counter()
        incoming = scope.headers.get("x-request-id")
        if incoming and REQUEST_ID.fullmatch(incoming):
            write_request_id(scope, incoming)
            request_id = incoming
        else:
            request_id = read_request_id(scope)
        protocol.update_headers([("x-request-id", request_id)])
        client_ip = self._client_address.resolve(
            peer_address(scope.client), scope.headers.get("x-forwarded-for")
        )
        info = RequestInfo(request_id, self._routes.match(scope.method, scope.path), client_ip)
        token = current_request.set(info)
        status = 500
        try:
            await self.app(scope, protocol)
            status = protocol.status_code
        finally:
            current_request.reset(token)
            route = info.match.route
            quiet = route is not None and route.log_level == "debug" and status < 400
            if access_log.enabled and (self._debug or not quiet):
                elapsed_ms = (perf_counter() - started) * 1000
                access_log.record(info, scope.method, scope.path, status, elapsed_ms)
