"""The OpenAPI document, built from the route declarations (web/route.py) and what each
endpoint reads (web/binding.py), so it says what the app does:

- parameters and bodies with their real JSON schemas (pydantic's: formats, enums, bounds);
- every status an operation can answer, each with its body: the success status and model,
  the route's own errors, and those the stack adds: 400/413/415/422 where input is read,
  401 (and the bearer scheme) where a token is needed, 403 for admin routes and those an
  account with an unverified address may not call, 429 where the rate limiter counts, 503
  where PostgreSQL or Redis are asked;
- one operation per method and path, each with a unique operationId.
Velithon's own document keeps one operation per path, documents only 200 and names
endpoints that do not exist (docs/velithon-quirks.md 15).
"""

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from models.problem import ProblemDetails
from web.binding import Binding

REF = "#/components/schemas/{model}"
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    "oauth2": {"type": "oauth2", "flows": {"password": {"tokenUrl": "/auth/login", "scopes": {}}}},
}
STACK_ERRORS = {
    "bad_request": (400, "The request is malformed (body or query string not decodable)"),
    "too_large": (413, "The body is larger than MAX_REQUEST_SIZE"),
    "media_type": (415, "The body is not in a media type this operation reads"),
    "invalid": (422, "Invalid input (per-field `errors`)"),
    "token": (401, "Missing, invalid, expired or revoked access token"),
    "role": (403, "The token's role may not do this, or its e-mail address is not verified"),
    "unverified": (403, "The account's e-mail address is not verified (UNVERIFIED_ACCOUNTS)"),
    "limited": (429, "Too many requests (see Retry-After)"),
    "unavailable": (503, "PostgreSQL or Redis does not answer (see Retry-After)"),
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}


def build(title: str, version: str, bindings: Iterable[Binding]) -> dict[str, Any]:
    bindings = [b for b in bindings if b.route.in_schema]
    schemas = Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for binding in bindings:
        route = binding.route
        path = route.path.replace(":path}", "}")
        paths.setdefault(path, {})[route.method.lower()] = _operation(binding, schemas)
    operation_ids = [op["operationId"] for ops in paths.values() for op in ops.values()]
    duplicates = {i for i in operation_ids if operation_ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"operationIds used twice: {sorted(duplicates)}")
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {"schemas": schemas.resolve(), "securitySchemes": SECURITY_SCHEMES},
    }


class Schemas:
    """Models referenced by the document, turned into components in one go (so pydantic names
    models that differ between input and output as Model-Input and Model-Output)."""

    def __init__(self) -> None:
        self._models: dict[tuple[type[BaseModel], str], dict[str, str]] = {}
        self._inline: list[tuple[dict[str, Any], type[BaseModel], str]] = []

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, Any]:
        placeholder: dict[str, Any] = {}
        self._inline.append((placeholder, model, mode))
        return placeholder

    def resolve(self) -> dict[str, Any]:
        keys = list(dict.fromkeys((model, mode) for _, model, mode in self._inline))
        keys.append((ProblemDetails, "serialization"))
        refs, top = models_json_schema(keys, ref_template=REF)  # type: ignore[arg-type]
        for placeholder, model, mode in self._inline:
            placeholder.update(refs[(model, mode)])  # type: ignore[index]
        return dict(top.get("$defs", {}))


def _operation(binding: Binding, schemas: Schemas) -> dict[str, Any]:
    route = binding.route
    endpoint = route.endpoint
    module = endpoint.__module__.rsplit(".", 1)[-1]
    operation: dict[str, Any] = {
        "operationId": f"{module}_{endpoint.__name__}",
        "summary": route.summary or endpoint.__name__.replace("_", " "),
        "tags": list(route.tags),
        "parameters": _parameters(binding),
    }
    body = _request_body(binding, schemas)
    if body is not None:
        operation["requestBody"] = body
    responses: dict[str, Any] = {str(route.status): _success(binding, schemas)}
    for status, (description, model) in sorted(_errors(binding).items()):
        content = {"application/problem+json": {"schema": schemas.ref(model, "serialization")}}
        if model is not ProblemDetails:
            content = {"application/json": {"schema": schemas.ref(model, "serialization")}}
        responses[str(status)] = {"description": description, "content": content}
        if status in (429, 503):
            responses[str(status)]["headers"] = RETRY_AFTER
    operation["responses"] = responses
    if not route.public:
        operation["security"] = [{"bearerAuth": []}, {"oauth2": []}]
    return operation


def _parameters(binding: Binding) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    if binding.scalars is not None:
        schema = _inline_definitions(binding.scalars.model_json_schema(ref_template=REF))
        required = set(schema.get("required", []))
        headers = dict(binding.header_names)
        for name, field_schema in schema.get("properties", {}).items():
            if name in headers:
                parameters.append(
                    _parameter(headers[name], "header", field_schema, name in required)
                )
                continue
            where = "path" if name in binding.path_names else "query"
            parameters.append(_parameter(name, where, field_schema, name in required))
    if binding.query_model is not None:
        schema = _inline_definitions(binding.query_model[1].model_json_schema(ref_template=REF))
        required = set(schema.get("required", []))
        for name, field_schema in schema.get("properties", {}).items():
            parameters.append(_parameter(name, "query", field_schema, name in required))
    return parameters


def _parameter(name: str, where: str, schema: dict[str, Any], required: bool) -> dict[str, Any]:
    schema = _without_null(dict(schema))
    description = schema.pop("description", None)
    schema.pop("title", None)
    parameter = {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
    }
    if description:
        parameter["description"] = description
    return parameter


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter is absent or a string: `Optional[X]`'s null is no value one can send."""
    variants = schema.get("anyOf")
    if variants and {"type": "null"} in variants:
        rest = [v for v in variants if v != {"type": "null"}]
        schema.pop("anyOf")
        if len(rest) == 1:
            schema.update(rest[0])
        else:
            schema["anyOf"] = rest
        if schema.get("default", ...) is None:
            schema.pop("default")
    return schema


def _inline_definitions(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema with its definitions (enums) written in place of their $ref."""
    definitions = schema.pop("$defs", {})

    def inline(value: Any) -> Any:
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and ref.rsplit("/", 1)[-1] in definitions:
                return inline(definitions[ref.rsplit("/", 1)[-1]])
            return {k: inline(v) for k, v in value.items()}
        if isinstance(value, list):
            return [inline(v) for v in value]
        return value

    return inline(schema)  # type: ignore[no-any-return]


def _request_body(binding: Binding, schemas: Schemas) -> dict[str, Any] | None:
    if binding.body_model is not None:
        model = binding.body_model[1]
        return {
            "required": True,
            "content": {"application/json": {"schema": schemas.ref(model, "validation")}},
        }
    if binding.route.request_body is not None:
        return _with_refs(binding.route.request_body, schemas)
    return None


def _with_refs(value: Any, schemas: Schemas) -> Any:
    if isinstance(value, type) and issubclass(value, BaseModel):
        return schemas.ref(value, "validation")
    if isinstance(value, Mapping):
        return {k: _with_refs(v, schemas) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_refs(v, schemas) for v in value]
    return value


def _success(binding: Binding, schemas: Schemas) -> dict[str, Any]:
    route = binding.route
    if route.status == 204:
        return {"description": "Done; no body"}
    description = route.summary or "OK"
    if route.response is not None:
        schema = schemas.ref(route.response, "serialization")
    elif route.media_type.startswith("text/"):
        schema = {"type": "string"}
    else:
        schema = {}
    return {"description": description, "content": {route.media_type: {"schema": schema}}}


def _errors(binding: Binding) -> dict[int, tuple[str, type[BaseModel]]]:
    route = binding.route
    keys: list[str] = []
    if binding.body_model is not None or route.request_body is not None:
        keys += ["bad_request", "too_large", "media_type", "invalid"]
    if binding.scalars is not None or binding.query_model is not None:
        keys += ["bad_request", "invalid"]
    if not route.public:
        keys += ["token", "unavailable"]
    if route.access == "admin":
        keys.append("role")
    elif not route.public and not route.unverified:
        keys.append("unverified")
    if route.rate_limited:
        keys += ["limited", "unavailable"]
    errors: dict[int, tuple[str, type[BaseModel]]] = {
        STACK_ERRORS[k][0]: (STACK_ERRORS[k][1], ProblemDetails) for k in keys
    }
    for status, meaning in route.errors.items():
        if isinstance(meaning, tuple):
            errors[status] = meaning
        else:
            errors[status] = (meaning, ProblemDetails)
    return errors
