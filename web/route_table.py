"""Which declared route a request is for, known before any middleware refuses it.

Matching is by route template and method: public `GET /products/{id}` and admin-only
`PATCH /products/{id}` are two declarations of one template. The outermost middleware matches
once per request (web/context.py keeps the result) so that every layer inside reads the same
facts: access, rate-limit class, policy, and the template that labels logs and metrics (never
the raw path, so cardinality stays bounded). Paths are compiled with Velithon's own
compile_path, and an exact path wins over a template, as in Velithon's router.
"""

import importlib
import pkgutil
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Optional

from velithon.convertors import CONVERTOR_TYPES

from web.route import Route
from web.velithon_private import compile_path


@dataclass(frozen=True, slots=True)
class RouteMatch:
    template: Optional[str]  # None: no route has this path (404)
    route: Optional[Route]  # None with a template: the path exists, the method doesn't (405)
    allowed: tuple[str, ...] = ()  # the methods of the template, for Allow


NOT_FOUND = RouteMatch(None, None)


class RouteTable:
    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes: list[Route] = list(routes)
        by_template: dict[str, dict[str, Route]] = {}
        for route in self.routes:
            methods = by_template.setdefault(route.path, {})
            if route.method in methods:
                raise ValueError(f"{route}: {route.method} {route.path} is declared twice")
            methods[route.method] = route
        self._exact: dict[str, dict[str, RouteMatch]] = {}
        self._patterns: list[tuple[re.Pattern[str], dict[str, RouteMatch], RouteMatch]] = []
        for template, methods in by_template.items():
            if "GET" in methods and "HEAD" not in methods:
                methods["HEAD"] = methods["GET"]
            allowed = tuple(sorted(methods))
            matches = {m: RouteMatch(template, r, allowed) for m, r in methods.items()}
            wrong_method = RouteMatch(template, None, allowed)
            regex, _, convertors = compile_path(template, CONVERTOR_TYPES)
            if convertors:
                self._patterns.append((re.compile(regex), matches, wrong_method))
            else:
                self._exact[template] = matches
                matches.setdefault("", wrong_method)  # "" never is a method: the 405 answer

    def match(self, method: str, path: str) -> RouteMatch:
        exact = self._exact.get(path)
        if exact is not None:
            return exact.get(method) or exact[""]
        for pattern, matches, wrong_method in self._patterns:
            if pattern.match(path):
                return matches.get(method, wrong_method)
        return NOT_FOUND

    def templates(self) -> dict[str, list[Route]]:
        grouped: dict[str, list[Route]] = {}
        for route in self.routes:
            grouped.setdefault(route.path, []).append(route)
        return grouped


def declared_routes(package: str = "routes") -> list[Route]:
    """The ROUTES of every module of `package`, in module-name order."""
    found = importlib.import_module(package)
    routes: list[Route] = []
    for module in sorted(pkgutil.iter_modules(found.__path__), key=lambda m: m.name):
        routes.extend(importlib.import_module(f"{package}.{module.name}").ROUTES)
    return routes
