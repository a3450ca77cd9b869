"""Which route template a path is addressed to, known before routing.

Metrics and logs label requests by template ("/users/{user_id}"), never by raw path, so
cardinality stays bounded; and a request refused before routing (401, 429, 413) is still
labelled with the route it was addressed to.
"""

import re
from collections.abc import Iterable
from typing import Optional

from velithon.routing import Route


class RouteTemplates:
    def __init__(self) -> None:
        self._static: dict[str, str] = {}
        self._patterns: list[tuple[re.Pattern[str], str]] = []

    def load(self, routes: Iterable[object]) -> None:
        """Call once every route is registered (main.py does)."""
        for route in routes:
            if not isinstance(route, Route):
                continue
            if route.param_convertors:
                self._patterns.append((route.path_regex, route.path))
            else:
                self._static[route.path] = route.path

    def match(self, path: str) -> Optional[str]:
        template = self._static.get(path)
        if template is not None:
            return template
        for pattern, template in self._patterns:
            if pattern.match(path):
                return template
        return None
