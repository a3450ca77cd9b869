"""Every route the app serves, declared once each in this package's modules (a list named
ROUTES in each: method, path, endpoint, access, rate-limit class, OpenAPI facts; web/route.py
says what each fact means). Declarations only, no logic: a new routes/<resource>.py is picked
up without editing any other file."""

import importlib
import pkgutil

from web.route import Route


def declared_routes() -> list[Route]:
    routes: list[Route] = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        routes.extend(importlib.import_module(f"{__name__}.{module.name}").ROUTES)
    return routes
