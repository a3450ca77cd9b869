"""Canaries: each test pins one Velithon 0.6.10 behaviour that the template works around.

These tests assert the *upstream* behaviour on a bare app (tests/canary_app.py). A failure
means Velithon changed: look up the quirk in docs/velithon-quirks.md and drop or adapt the
workaround it names. The tests proving our workarounds hold live beside each feature.
"""

import asyncio
import re
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from velithon import Velithon
from velithon.di import FactoryProvider, Provide, ServiceContainer, SingletonProvider

from tests import http
from tests.conftest import StartServer
from tests.server import Server

pytestmark = pytest.mark.no_backing

CANARY = [
    sys.executable,
    "-m",
    "granian",
    "--interface",
    "rsgi",
    "--loop",
    "uvloop",
    "--host",
    "127.0.0.1",
    "--port",
    "{port}",
    "tests.canary_app:app",
]


@pytest.fixture
def canary(start_server: StartServer) -> Iterator[Server]:
    yield start_server(CANARY, ready_path="/calls")


def get(server: Server, path: str, **kw: object) -> httpx.Response:
    return http.request(str(kw.pop("method", "GET")), server.url + path, timeout=5, **kw)  # type: ignore[arg-type]


def test_a_raising_handler_runs_twice(canary: Server) -> None:
    """Workaround: the per-route error boundary (middleware/errors.py)."""
    before = get(canary, "/calls").json()["raising"]
    get(canary, "/raising")
    assert get(canary, "/calls").json()["raising"] == before + 2


def test_a_failing_background_task_runs_the_handler_again(canary: Server) -> None:
    """Workaround: web/background.py attaches tasks that never raise."""
    before = get(canary, "/calls").json()["background"]
    get(canary, "/background-raising")
    # The task fails after the response is out, and only then is the handler run again.
    deadline = time.monotonic() + 5
    while get(canary, "/calls").json()["background"] < before + 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert get(canary, "/calls").json()["background"] == before + 2


def test_granian_drops_a_header_whose_value_is_not_ascii(canary: Server) -> None:
    """Not Velithon's, granian's: an `Idempotency-Key: é` reaches the app as no key at all
    (docs/velithon-quirks.md, granian)."""
    assert get(canary, "/header", headers={"x-key": b"ok"}).json() == {"x-key": "ok"}
    assert get(canary, "/header", headers={"x-key": "é".encode()}).json() == {"x-key": None}


def test_exception_text_leaks_to_the_client(canary: Server) -> None:
    """Workaround: the error boundary answers a generic 500 problem."""
    response = get(canary, "/raising")
    assert response.status_code == 500
    assert "db.internal:5432" in response.text


def test_http_exception_becomes_empty_500_above_info(start_server: StartServer) -> None:
    """Workaround: the error boundary, so the Rust access log can be silenced safely."""
    quiet = start_server(CANARY, ready_path="/calls", CANARY_LOG_LEVEL="WARNING")
    response = get(quiet, "/missing")
    assert response.status_code == 500
    assert response.content == b""


def test_unknown_path_and_method_answer_plain_text(canary: Server) -> None:
    """Workaround: router.default and each template's guard (middleware/errors.py)."""
    assert get(canary, "/nope").headers["content-type"].startswith("text/plain")
    assert get(canary, "/greet", method="POST").headers["content-type"].startswith("text/plain")


def test_http_endpoint_answers_unknown_method_with_400(canary: Server) -> None:
    """Workaround: routes are declared per method (web/route.py); no HTTPEndpoint classes."""
    assert get(canary, "/thing", method="DELETE").status_code == 400


def test_invalid_body_is_400_and_malformed_json_is_500(canary: Server) -> None:
    """Workaround: web/inputs.py reads bodies: 422 with field errors, 400, 415."""
    post = {"method": "POST", "headers": {"content-type": "application/json"}}
    assert get(canary, "/payload", content=b'{"x": 1}', **post).status_code == 400
    assert get(canary, "/payload", content=b"{bad", **post).status_code == 500


def test_path_parameter_is_read_from_the_query_string(canary: Server) -> None:
    """Workaround: web/binding.py reads path parameters from the path only (Path() required)."""
    assert get(canary, "/items/5?item_id=999").json() == {"item_id": 999}


def test_query_parameter_replaces_an_injected_service(canary: Server) -> None:
    """Workaround: web/binding.py resolves Provide[...] defaults itself; the query is never
    consulted for them."""
    assert get(canary, "/greet?greeter=x").json() == {"greeter": "'x'"}


def test_velithon_writes_its_own_access_line(canary: Server) -> None:
    """Workaround: observability/logs.py raises Velithon's level above INFO."""
    get(canary, "/calls")
    canary.wait_for_log("Processed GET /calls")


def test_singleton_provider_does_not_resolve_its_arguments() -> None:
    """Workaround: containers.py is a container of our own (Provider builds from get())."""

    class Dependency:
        pass

    class Holder:
        def __init__(self, dependency: object) -> None:
            self.dependency = dependency

    class Probe(ServiceContainer):
        dependency = FactoryProvider(Dependency)
        singleton = SingletonProvider(Holder, dependency=dependency)
        factory = FactoryProvider(Holder, dependency=dependency)

    probe = Probe()
    singleton = asyncio.run(probe.resolve(Provide[Probe.singleton], probe))
    factory = asyncio.run(probe.resolve(Provide[Probe.factory], probe))
    assert singleton.dependency is Probe.dependency
    assert isinstance(factory.dependency, Dependency)


def test_on_startup_without_parentheses_registers_nothing() -> None:
    """Workaround: main.py always writes @app.on_startup()."""
    app = Velithon()

    async def hook() -> None:
        pass

    app.on_startup(hook)  # type: ignore[arg-type]  # what `@app.on_startup` does
    assert app.startup_functions == []


def test_two_routes_on_one_path_leave_one_method_405(canary: Server) -> None:
    """Workaround: install_error_boundary registers each template once, all its methods."""
    assert get(canary, "/twice", method="POST").json() == {"method": "POST"}
    assert get(canary, "/twice").status_code == 405


def test_openapi_keeps_one_operation_per_path(canary: Server) -> None:
    """Workaround: web/openapi.py builds the document from the route declarations."""
    assert list(get(canary, "/openapi.json").json()["paths"]["/twice"]) == ["post"]


def test_an_injected_pydantic_model_is_documented_as_query_parameters(canary: Server) -> None:
    """Workaround: web/binding.py resolves Provide[...] defaults before anything reads the
    query, and web/openapi.py documents only what an endpoint reads from the request."""
    operation = get(canary, "/openapi.json").json()["paths"]["/limits"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["burst"]


BUILTINS = [arg.replace(":app", ":builtins_app") for arg in CANARY]


def test_builtin_cors_reflects_any_origin_and_omits_allowed_ones(start_server: StartServer) -> None:
    """Workaround: middleware/cors.py."""
    srv = start_server(BUILTINS, ready_path="/ping")
    preflight = get(
        srv,
        "/ping",
        method="OPTIONS",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.headers["access-control-allow-origin"] == "https://evil.example"
    actual = get(srv, "/ping", headers={"Origin": "https://ok.example"})
    assert "access-control-allow-origin" not in actual.headers


def test_builtin_prometheus_counts_every_request_as_500(start_server: StartServer) -> None:
    """Workaround: middleware/metrics.py."""
    srv = start_server(BUILTINS, ready_path="/ping")
    get(srv, "/ping")
    assert 'path="/ping",status_code="500"' in get(srv, "/metrics").text


def test_query_values_are_converted_without_bounds_and_any_word_is_false(canary: Server) -> None:
    """Workaround: web/binding.py validates parameters with pydantic (int64, real booleans)."""
    body = get(canary, f"/flags?flag=maybe&count={10**30}").json()
    assert body == {"flag": False, "count": str(10**30)}


def test_future_annotations_leave_parameters_unconverted(canary: Server) -> None:
    """Workaround: web/binding.py resolves annotations (typing.get_type_hints)."""
    assert get(canary, "/future?item_id=5").json() == {"item_id": "5"}


def test_file_response_etag_differs_between_processes(
    canary: Server, start_server: StartServer
) -> None:
    """Workaround: endpoints/static.py (a content hash as ETag, 304 on If-None-Match). Velithon
    derives it from Python's salted hash(), so each worker and replica has its own."""
    other = start_server(CANARY, ready_path="/calls", own_interpreter=True)
    first, second = get(canary, "/file"), get(other, "/file")
    assert first.headers["etag"] != second.headers["etag"]
    again = get(canary, "/file", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200


def test_streaming_response_crashes_on_construction() -> None:
    """Workaround: web/streaming.py's Streamed sets the `body` Velithon's headers read."""
    from velithon.responses import StreamingResponse

    async def chunks() -> AsyncIterator[bytes]:
        yield b"x"

    with pytest.raises(AttributeError, match="body"):
        StreamingResponse(chunks())


def test_a_form_part_over_1_mib_is_dropped_after_the_whole_body_was_read(canary: Server) -> None:
    """Workaround: web/multipart.py streams the one file part (python-multipart's push parser)
    and the route's body_limit caps the request. Velithon's request.form() collects the whole
    body in memory, then leaves out a part over 1 MiB without a word (the facts page saw a
    400 through File() parameters)."""
    boundary = "canary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    small = get(canary, "/form", method="POST", content=head + b"x" * 1024 + tail, headers=headers)
    assert small.json() == {"fields": 1}
    big = head + b"x" * (1024 * 1024 + 1) + tail
    assert get(canary, "/form", method="POST", content=big, headers=headers).json() == {"fields": 0}


def test_the_builtin_swagger_ui_page_needs_a_cdn_and_inline_script() -> None:
    """Workaround: endpoints/docs.py renders templates/docs.html with Swagger UI's files from
    swagger-ui-bundle-v2, served by the app, and static/docs.js instead of an inline script."""
    from velithon.openapi.ui import get_swagger_ui_html

    page = get_swagger_ui_html(openapi_url="/openapi.json", title="x").body.decode()
    assert "https://cdn.jsdelivr.net/npm/swagger-ui-dist" in page
    assert "<script>" in page and "SwaggerUIBundle(" in page


@pytest.mark.no_backing
def test_granian_workers_set_their_stop_signal_on_every_signal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A second set() while the worker stops can wedge it (scripts/serve.py,
    stop_workers_on_the_first_signal_only). The day granian sets it once, drop that."""
    from granian import _signals

    class Counting:
        sets = 0

        def set(self) -> None:
            self.sets += 1

    class Loop:
        def __init__(self) -> None:
            self.handlers: dict[int, Any] = {}

        def add_signal_handler(self, signum: int, handler: Any, *args: Any) -> None:
            self.handlers[signum] = (handler, args)

    monkeypatch.setattr(_signals, "WorkerSignal", Counting)
    loop = Loop()
    event = _signals.set_loop_signals(loop)
    for signum in (signal.SIGINT, signal.SIGTERM):
        handler, args = loop.handlers[signum]
        handler(*args)
    assert event.sets == 2


def test_the_private_names_the_template_uses_exist() -> None:
    """web/velithon_private.py's names, as 0.6.10 has them. A failure: Velithon moved one;
    find the public way it now offers (docs/velithon-quirks.md, "Private names")."""
    import inspect

    from velithon.convertors import CONVERTOR_TYPES
    from velithon.datastructures import Protocol, Scope
    from velithon.routing import Router

    from web.velithon_private import compile_path

    assert "_request_id" in Scope.__slots__ and "_protocol" in Protocol.__slots__
    regex, path_format, convertors = compile_path("/things/{thing_id:int}", CONVERTOR_TYPES)
    assert re.match(regex, "/things/42") and path_format == "/things/{thing_id}"
    assert set(convertors) == {"thing_id"}
    router = Router()
    router.add_api_route("/things", test_the_private_names_the_template_uses_exist, methods=["GET"])
    assert callable(router.routes[-1].handle) and callable(router.default)
    dispatch = inspect.getsource(Router)
    assert "await route.handle(scope, protocol)" in dispatch  # a replaced handle is what runs
    assert "await self.default(scope, protocol)" in dispatch  # and so is a replaced default
