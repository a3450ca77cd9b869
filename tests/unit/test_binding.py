"""How endpoint signatures are read (web/binding.py), and the rules every endpoint follows:
each rule is shown failing on a deliberately broken endpoint."""

import functools
from typing import Annotated, Any, Optional

import pytest
from pydantic import BaseModel
from velithon.di import FactoryProvider
from velithon.di import Provide as VelithonProvide
from velithon.di import inject as velithon_inject
from velithon.params import Path, Query
from velithon.requests import Request

from containers import Provide, container
from endpoints.dependencies import current_user
from models.base import InputModel, QueryModel
from services.user_service import UserService
from web.binding import SignatureError, inspect_endpoint
from web.route import Route


class Body(InputModel):
    name: str


class Filter(QueryModel):
    limit: int = 10


async def good(
    item_id: Annotated[int, Path()],
    body: Body,
    request: Request,
    me: Annotated[object, current_user],
    flag: Optional[bool] = None,
    users: UserService = Provide[container.users],
) -> Any: ...


def binding_of(method: str, path: str, endpoint: Any) -> Any:
    return inspect_endpoint(Route(method, path, endpoint))


def test_each_parameter_gets_its_source() -> None:
    binding = binding_of("PATCH", "/items/{item_id}", good)
    assert binding.path_names == ("item_id",)
    assert binding.query_names == ("flag",)
    assert binding.body_model == ("body", Body)
    assert [name for name, _ in binding.dependencies] == ["me"]
    assert binding.services == (("users", container.users),)
    assert binding.request_name == "request"


def test_a_model_on_get_is_the_query_and_query_can_be_explicit() -> None:
    async def listing(filters: Filter) -> Any: ...

    async def explicit(filters: Annotated[Filter, Query()]) -> Any: ...

    assert binding_of("GET", "/things", listing).query_model == ("filters", Filter)
    assert binding_of("POST", "/things", explicit).query_model == ("filters", Filter)


def test_a_path_parameter_without_path_is_refused() -> None:
    async def broken(item_id: int) -> Any: ...

    with pytest.raises(SignatureError, match=r"item_id must be declared Annotated\[T, Path\(\)\]"):
        binding_of("GET", "/items/{item_id}", broken)


def test_a_path_marker_not_in_the_template_is_refused() -> None:
    async def broken(other: Annotated[int, Path()]) -> Any: ...

    with pytest.raises(SignatureError, match="not in /items"):
        binding_of("GET", "/items", broken)


ELSEWHERE = VelithonProvide[FactoryProvider(dict)]  # a Velithon provider, not the container's


def test_velithons_inject_is_refused() -> None:
    @velithon_inject
    async def broken(users: UserService = ELSEWHERE) -> Any: ...

    with pytest.raises(SignatureError, match="@inject"):
        binding_of("GET", "/things", broken)


def test_any_wrapping_decorator_is_refused() -> None:
    def logged(func: Any) -> Any:
        @functools.wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            return await func(*args, **kwargs)

        return wrapper

    @logged
    async def broken() -> Any: ...

    with pytest.raises(SignatureError, match="wrapped by a decorator"):
        binding_of("GET", "/things", broken)


def test_a_provide_of_something_else_than_the_container_is_refused() -> None:
    async def broken(users: UserService = ELSEWHERE) -> Any: ...

    with pytest.raises(SignatureError, match="container provider"):
        binding_of("GET", "/things", broken)


def test_sync_endpoints_are_refused() -> None:
    def broken() -> Any: ...

    with pytest.raises(SignatureError, match="async def"):
        binding_of("GET", "/things", broken)


def test_string_annotations_are_resolved() -> None:
    """Velithon reads raw annotations, so `from __future__ import annotations` breaks its
    parsing (quirk 5); the binding resolves them, so such a module works here."""

    async def stringly(item_id: "Annotated[int, Path()]", flag: "Optional[bool]" = None) -> Any: ...

    binding = binding_of("GET", "/items/{item_id}", stringly)
    assert binding.path_names == ("item_id",) and binding.query_names == ("flag",)


def test_scalar_parameters_follow_the_input_rules() -> None:
    binding = binding_of("PATCH", "/items/{item_id}", good)
    model: type[BaseModel] = binding.scalars
    assert model.model_validate({"item_id": "7", "flag": "true"}).model_dump() == {
        "item_id": 7,
        "flag": True,
    }
    with pytest.raises(ValueError, match="64-bit"):
        model.model_validate({"item_id": str(2**63)})
    with pytest.raises(ValueError, match="bool"):
        model.model_validate({"item_id": "1", "flag": "maybe"})
