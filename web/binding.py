"""Endpoint parameters: where each comes from is decided once per route, at start-up, from the
endpoint's signature; every value is validated with the rules of web/inputs.py.

    async def update_user(
        user_id: Annotated[int, Path()],                 # the path (Path() is required)
        body: AdminUserUpdate,                           # the JSON body (POST, PUT, PATCH)
        filters: Annotated[UserFilter, Query()],         # the query string as a model ...
        limit: int = 20,                                 # ... or one query parameter
        key: Annotated[Optional[str], Header(alias="Idempotency-Key")] = None,  # a header
        me: Annotated[Principal, current_user],          # dependency(request)
        users: UserService = Provide[container.users],   # a service from the container
        request: Request,                                # the request itself
    ) -> Response: ...

This replaces Velithon 0.6.10's request parser, which reads a path parameter from the query
string unless annotated, lets a query parameter replace an injected service, converts with a
bare int() (no bounds; any non-"true" string is False), ignores `T | None`, takes `true` for
an integer, keeps the last of duplicate JSON keys and never checks Content-Type
(docs/velithon-quirks.md). A signature this module cannot read stops the app at start-up,
naming the endpoint and the parameter.
"""

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Optional, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ValidationError, create_model
from velithon.di import Provide
from velithon.params import Body, Header, Path, Query
from velithon.requests import Request
from velithon.responses import Response

from containers import Container, Provider
from models.base import QueryModel
from web.inputs import invalid, parse_urlencoded, read_json, validation_errors
from web.route import Route

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
Handler = Callable[[Request], Awaitable[Response]]


class SignatureError(TypeError):
    """An endpoint's signature that cannot be bound; raised while the app is built."""


@dataclass(frozen=True)
class Binding:
    """How one route's endpoint gets its arguments. Also read by web/openapi.py."""

    route: Route
    path_names: tuple[str, ...]
    query_names: tuple[str, ...]
    header_names: tuple[tuple[str, str], ...]  # (parameter, header) as in the request
    scalars: Optional[type[BaseModel]]  # path parameters and single query parameters
    query_model: Optional[tuple[str, type[BaseModel]]]
    body_model: Optional[tuple[str, type[BaseModel]]]
    dependencies: tuple[tuple[str, Callable[[Request], Any]], ...]
    services: tuple[tuple[str, Provider[Any]], ...]
    request_name: Optional[str]


def bind(route: Route, container: Container) -> tuple[Binding, Handler]:
    binding = inspect_endpoint(route)
    return binding, _handler(binding, container)


def inspect_endpoint(route: Route) -> Binding:
    endpoint = route.endpoint
    where = f"{route.method} {route.path} ({endpoint.__module__}.{endpoint.__qualname__})"
    if not inspect.iscoroutinefunction(endpoint):
        raise SignatureError(f"{where}: endpoints are `async def`")
    if getattr(endpoint, "__wrapped__", None) is not None:
        raise SignatureError(
            f"{where}: wrapped by a decorator ({getattr(endpoint, '__module__', '?')}); "
            "services come from `Provide[container.x]` defaults, no decorator needed "
            "(Velithon's @inject lets a query parameter replace a service)"
        )
    hints = get_type_hints(endpoint, include_extras=True)
    template_names = set(_template_names(route.path))
    path_names: list[str] = []
    query_names: list[str] = []
    header_names: list[tuple[str, str]] = []
    scalar_fields: dict[str, Any] = {}
    query_model = body_model = None
    dependencies: list[tuple[str, Callable[[Request], Any]]] = []
    services: list[tuple[str, Provider[Any]]] = []
    request_name = None
    for name, param in inspect.signature(endpoint).parameters.items():
        annotation = hints.get(name, param.annotation)
        base, markers = _unwrap(annotation)
        default = param.default
        if isinstance(default, Provide):
            provider = default.service
            if not isinstance(provider, Provider):
                raise SignatureError(f"{where}: {name}: Provide[...] needs a container provider")
            services.append((name, provider))
        elif base is Request:
            request_name = name
        elif any(isinstance(m, Path) for m in markers):
            if name not in template_names:
                raise SignatureError(f"{where}: {name} is Path() but not in {route.path}")
            path_names.append(name)
            scalar_fields[name] = (annotation, ...)
        elif headers := [m for m in markers if isinstance(m, Header)]:
            header_names.append((name, headers[0].alias or name.replace("_", "-")))
            others = [m for m in markers if not isinstance(m, Header)]
            field_type = Annotated[(base, *others)] if others else base  # type: ignore[valid-type]
            required = default is inspect.Parameter.empty
            scalar_fields[name] = (field_type, ... if required else default)
        elif name in template_names:
            raise SignatureError(
                f"{where}: path parameter {name} must be declared Annotated[T, Path()]"
            )
        elif callables := [m for m in markers if callable(m) and not isinstance(m, type)]:
            dependencies.append((name, callables[0]))
        elif _is_model(base) and (
            any(isinstance(m, Body) for m in markers)
            or (route.method in BODY_METHODS and not any(isinstance(m, Query) for m in markers))
        ):
            body_model = (name, base)
        elif _is_model(base):
            query_model = (name, base)
        else:
            query_names.append(name)
            required = default is inspect.Parameter.empty
            scalar_fields[name] = (annotation, ... if required else default)
    missing = template_names - set(path_names)
    if missing:
        raise SignatureError(f"{where}: no Annotated[T, Path()] parameter for {sorted(missing)}")
    scalars = (
        create_model(f"{endpoint.__name__}_parameters", __base__=QueryModel, **scalar_fields)
        if scalar_fields
        else None
    )
    return Binding(
        route,
        tuple(path_names),
        tuple(query_names),
        tuple(header_names),
        scalars,
        query_model,
        body_model,
        tuple(dependencies),
        tuple(services),
        request_name,
    )


def _handler(binding: Binding, container: Container) -> Handler:
    endpoint = binding.route.endpoint
    path_names, query_names = binding.path_names, binding.query_names
    header_names = binding.header_names
    scalars, query_model, body_model = binding.scalars, binding.query_model, binding.body_model
    reads_query = bool(query_names) or query_model is not None
    known = {*query_names, *(query_model[1].model_fields if query_model else ())}
    dependencies, services = binding.dependencies, binding.services
    request_name = binding.request_name

    async def handle(request: Request) -> Response:
        kwargs: dict[str, Any] = {}
        query = _query(request, known) if reads_query else {}
        if scalars is not None:
            values = {name: query[name] for name in query_names if name in query}
            values.update((name, request.path_params.get(name)) for name in path_names)
            for name, header in header_names:
                value = request.headers.get(header)
                if value is not None:
                    values[name] = value
            try:
                kwargs.update(scalars.model_validate(values))
            except ValidationError as exc:
                invalid(_located(exc, path_names, dict(header_names)))
        if query_model is not None:
            name, model = query_model
            try:
                kwargs[name] = model.model_validate(query)
            except ValidationError as exc:
                invalid(validation_errors(exc, "query"))
        for name, dependency in dependencies:
            value = dependency(request)
            kwargs[name] = await value if inspect.isawaitable(value) else value
        if body_model is not None:
            name, model = body_model
            kwargs[name] = await read_json(request, model)
        for name, provider in services:
            kwargs[name] = container.get(provider)
        if request_name is not None:
            kwargs[request_name] = request
        return await endpoint(**kwargs)  # type: ignore[no-any-return]

    return handle


def _query(request: Request, known: set[str]) -> dict[str, str]:
    text = request.scope.query_string
    return parse_urlencoded(text, "query", known) if text else {}


def _located(
    exc: ValidationError, path_names: tuple[str, ...], headers: dict[str, str]
) -> list[dict[str, Any]]:
    errors = validation_errors(exc, "query")
    for error in errors:
        name = error["loc"][1]
        if name in path_names:
            error["loc"][0] = "path"
        elif name in headers:
            error["loc"][:2] = ["header", headers[name]]
    return errors


def _unwrap(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    if get_origin(annotation) is Annotated:
        base, *markers = get_args(annotation)
        return base, tuple(markers)
    return annotation, ()


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _template_names(path: str) -> list[str]:
    names = []
    for part in path.split("{")[1:]:
        names.append(part.split("}", 1)[0].split(":", 1)[0])
    return names
