"""Matching by template and method, as the middleware sees it before routing."""

import pytest

from web.route import Route
from web.route_table import RouteTable


async def endpoint() -> None: ...


def table() -> RouteTable:
    return RouteTable(
        [
            Route("GET", "/products/{product_id}", endpoint, access="public"),
            Route("PATCH", "/products/{product_id}", endpoint, access="admin"),
            Route("GET", "/users/me", endpoint),
            Route("GET", "/users/{user_id}", endpoint),
            Route("GET", "/static/{path:path}", endpoint, access="public"),
        ]
    )


def test_one_template_two_methods_two_declarations() -> None:
    routes = table()
    public = routes.match("GET", "/products/7")
    admin = routes.match("PATCH", "/products/7")
    assert public.template == admin.template == "/products/{product_id}"
    assert public.route is not None and public.route.access == "public"
    assert admin.route is not None and admin.route.access == "admin"


def test_head_follows_get_and_a_wrong_method_keeps_the_template() -> None:
    routes = table()
    head = routes.match("HEAD", "/products/7")
    assert head.route is not None and head.route.method == "GET"
    wrong = routes.match("DELETE", "/products/7")
    assert wrong.template == "/products/{product_id}" and wrong.route is None
    assert wrong.allowed == ("GET", "HEAD", "PATCH")


def test_unknown_paths_match_nothing() -> None:
    routes = table()
    for path in ("/nope", "/products", "/products/7/extra", "/users/me/x", ""):
        match = routes.match("GET", path)
        assert match.template is None and match.route is None


def test_an_exact_path_wins_over_a_template_as_in_velithons_router() -> None:
    routes = table()
    assert routes.match("GET", "/users/me").template == "/users/me"
    assert routes.match("GET", "/users/5").template == "/users/{user_id}"
    # The exact path owns its methods: PATCH /users/me is 405, not the template's GET.
    assert routes.match("PATCH", "/users/me").route is None


def test_path_templates_span_slashes() -> None:
    match = table().match("GET", "/static/css/site.css")
    assert match.template == "/static/{path:path}"


def test_a_method_declared_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        RouteTable([Route("GET", "/a", endpoint), Route("get", "/a", endpoint)])


def test_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="access"):
        Route("GET", "/a", endpoint, access="admins")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="start with /"):
        Route("GET", "a", endpoint)
