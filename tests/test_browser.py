"""The pages in a real browser: Debian's Chromium (/usr/bin/chromium, or CHROMIUM), driven by
Playwright, loading each page from the test server with no network beyond it. Each page must
load without a console error, a failed request or a CSP violation, and show what it is for; a
screenshot of each is kept in test-artifacts/ (TEST_ARTIFACTS to put them elsewhere).

Playwright never downloads a browser here: it starts the system one (executable_path)."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from config import PROJECT_NAME
from tests import http, preflight
from tests.accounts import (
    PASSWORD,
    Account,  # example-shop:line
)
from tests.conftest import Database, StartServer
from tests.images import multipart, png  # example-shop:line
from tests.mailbox import link_in
from tests.server import ROOT, Server
from tests.smtp import SmtpServer
from tests.test_pages import LINKS

pytestmark = pytest.mark.slow

CHROMIUM = preflight.chromium()
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS") or ROOT / "test-artifacts")
# Collected in the page before any of its scripts run: a CSP violation fires this event.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


class Watched:
    """A page, and everything that went wrong on it."""

    def __init__(self, page: Any, origin: str) -> None:
        self.page = page
        self.problems: list[str] = []
        self.outside: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        page.on("response", self._response)
        page.add_init_script(WATCH_CSP)
        page.route("**/*", lambda route: self._only(route, origin))

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"{response.status}: {response.url}")

    def _only(self, route: Any, origin: str) -> None:
        url = route.request.url
        if url.startswith(origin + "/") or urlsplit(url).scheme == "data":
            route.continue_()
        else:  # no network beyond the test server
            self.outside.append(url)
            route.abort()

    def assert_clean(self) -> None:
        violations = self.page.evaluate("window.__csp")
        assert violations == [], violations
        assert self.outside == [], self.outside
        assert self.problems == [], self.problems

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            # Root (containers, CI) has no user namespace sandbox; names resolve to nowhere
            # but loopback, on top of the request filter in Watched.
            args=["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def watched(browser: Any, server: Server) -> Iterator[Watched]:
    context = browser.new_context(
        base_url=server.url, viewport={"width": 1200, "height": 900}, service_workers="block"
    )
    yield Watched(context.new_page(), server.url)
    context.close()


def test_the_home_page(watched: Watched) -> None:
    page = watched.page
    assert page.goto("/").status == 200
    assert page.locator("h1").inner_text() == PROJECT_NAME
    assert page.locator("#version").inner_text() == "0.1.0"
    assert page.locator("#database").inner_text() == "healthy"
    assert page.locator("#redis").inner_text() == "healthy"
    for link in LINKS:
        assert page.locator(f'a[href="{link}"]').count() == 1
    watched.screenshot("home")
    watched.assert_clean()


# example-shop:begin
def test_the_shop_page(watched: Watched, server: Server, admin: Account) -> None:
    names = ["Desk lamp", "Reading light", "Lampshade"]
    for number, (name, colour) in enumerate(
        zip(names, [(220, 90, 30), (30, 120, 200), (40, 160, 90)], strict=True)
    ):
        created = http.post(
            server.url + "/products",
            headers=admin.headers,
            json={
                "sku": f"LAMP-{number}",
                "name": name,
                "price": f"{19 + number}.99",
                "stock": number,
            },
        )
        assert created.status_code == 201, created.text
        if number < 2:
            body, content_type = multipart("photo.png", png(48, 48, colour))
            uploaded = http.post(
                f"{server.url}/products/{created.json()['id']}/images",
                content=body,
                headers={**admin.headers, "content-type": content_type},
            )
            assert uploaded.status_code == 201, uploaded.text
    page = watched.page
    assert page.goto("/shop?limit=2").status == 200
    assert page.locator(".product h2").all_inner_texts() == names[:2]
    images = page.locator(".product img")
    assert images.count() == 2
    assert all(w > 0 for w in images.evaluate_all("imgs => imgs.map(i => i.naturalWidth)"))
    watched.screenshot("shop")
    page.get_by_role("link", name="Next page").click()
    page.wait_for_url("**cursor=**")
    assert page.locator(".product h2").all_inner_texts() == names[2:]
    assert page.locator(".no-image").count() == 1
    watched.assert_clean()


# example-shop:end


def account_page(browser: Any, srv: Server) -> Watched:
    context = browser.new_context(base_url=srv.url, service_workers="block")
    return Watched(context.new_page(), srv.url)


def test_the_verification_link_opens_a_page_that_verifies(
    browser: Any, start_server: StartServer, smtp: SmtpServer, db: Database
) -> None:
    srv = start_server(JOBS_IN_APP="true", fresh=True, PUBLIC_URL="http://app.test", **smtp.env())
    email = "ada-browser@example.com"
    body = {"name": "Ada", "email": email, "password": PASSWORD}
    assert http.post(srv.url + "/users", json=body).status_code == 201
    link, _ = link_in(smtp, db, email)
    watched = account_page(browser, srv)
    page = watched.page
    assert page.goto(link.removeprefix("http://app.test")).status == 200
    assert page.locator("h1").inner_text() == "Verify your e-mail address"
    page.get_by_role("button", name="Verify my address").click()
    page.wait_for_selector("#outcome")
    assert "verified" in page.locator("#outcome").inner_text()
    assert db.fetchval("SELECT email_verified_at IS NOT NULL FROM users")
    watched.screenshot("verify-email")
    watched.assert_clean()
    page.context.close()


def test_the_reset_link_opens_a_form_that_sets_the_new_password(
    browser: Any, start_server: StartServer, smtp: SmtpServer, db: Database
) -> None:
    srv = start_server(JOBS_IN_APP="true", fresh=True, PUBLIC_URL="http://app.test", **smtp.env())
    email = "grace-browser@example.com"
    body = {"name": "Grace", "email": email, "password": PASSWORD}
    assert http.post(srv.url + "/users", json=body).status_code == 201
    assert http.post(srv.url + "/auth/password-reset", json={"email": email}).status_code == 202
    link, _ = link_in(smtp, db, email, subject="Reset your password")
    watched = account_page(browser, srv)
    page = watched.page
    assert page.goto(link.removeprefix("http://app.test")).status == 200
    page.get_by_label("New password").fill("Brand-new-pass-7")
    page.get_by_label("The same again").fill("Brand-new-pass-7")
    watched.screenshot("reset-password")
    page.get_by_role("button", name="Set the new password").click()
    page.wait_for_selector("#outcome")
    assert "Your password is changed" in page.locator("#outcome").inner_text()
    login = http.post(
        srv.url + "/auth/login", json={"email": email, "password": "Brand-new-pass-7"}
    )
    assert login.status_code == 200
    watched.assert_clean()
    page.context.close()


DOCUMENTED = [
    "/health",
    "/users",
    "/auth/login",
    "/products/{product_id}/images",  # example-shop:line
]


def test_the_api_docs_work_offline(watched: Watched) -> None:
    page = watched.page
    assert page.goto("/docs").status == 200
    page.wait_for_selector(".opblock")
    listed = page.locator(".opblock-summary-path").all_inner_texts()
    for path in DOCUMENTED:
        assert any(text.replace("\u200b", "") == path for text in listed), (path, listed)
    operation = page.locator("#operations-health-health_readiness")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status")
    status.wait_for()
    assert status.inner_text().strip().startswith("200")
    assert page.evaluate("window.ui.getConfigs().validatorUrl") is None  # nothing to swagger.io
    watched.screenshot("docs")
    watched.assert_clean()
