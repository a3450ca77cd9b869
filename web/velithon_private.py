"""Every place the template reaches into Velithon 0.6.10 past its public API, in one module.

Each is listed in docs/velithon-quirks.md ("Private names") with why no public way exists, and
tests/test_velithon_canaries.py::test_the_private_names_the_template_uses_exist fails the day
one of them disappears or changes shape upstream. Nothing else in the project may touch a
Velithon name that starts with an underscore (tests/unit/test_layers.py).
"""

from collections.abc import Awaitable, Callable
from typing import Any

from velithon._velithon import compile_path  # the router's own path compiler
from velithon.datastructures import Protocol, Scope
from velithon.routing import Router

__all__ = [
    "compile_path",
    "read_request_id",
    "replace_not_found",
    "replace_route_handler",
    "wrap_receive",
    "write_request_id",
]

ASGIHandler = Callable[[Scope, Protocol], Awaitable[None]]


def read_request_id(scope: Scope) -> str:
    """The id Velithon generated for this request (no public accessor on Scope)."""
    return scope._request_id


def write_request_id(scope: Scope, request_id: str) -> None:
    """Keep a client's X-Request-ID: Velithon's own id is a slot with no public setter."""
    scope._request_id = request_id


def wrap_receive(protocol: Protocol, wrap: Callable[[Any], Any]) -> None:
    """Put `wrap(granian's protocol)` under Velithon's Protocol, which reads the body from it:
    the only way to count a chunked body as it arrives (middleware/body_limit.py)."""
    protocol._protocol = wrap(protocol._protocol)


def replace_route_handler(router: Router, handle: ASGIHandler) -> None:
    """Serve the route just added to `router` with `handle` instead of Velithon's dispatch,
    which runs a raising handler twice and answers errors in plain text (middleware/errors.py)."""
    router.routes[-1].handle = handle  # type: ignore[method-assign]


def replace_not_found(router: Router, handle: ASGIHandler) -> None:
    """Answer unknown paths with `handle` (Velithon's answer is plain text)."""
    router.default = handle  # type: ignore[method-assign]
