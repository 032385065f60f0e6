"""Browser checks: Playwright driving Debian's chromium against pytest-django's live server.

Without a chromium these tests skip with a message, on a developer machine only: CI sets
GOVPORTAL_REQUIRE_BROWSER=1 (see .ci/run), which turns the skip into a failure. The same
rule applies to Java and the Nu HTML Checker (npm vnu-jar)."""

import os
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from pytest_django.live_server_helper import LiveServer

from ..required import required, skip_or_fail
from ..staff import authenticator
from .public_urls import public_pages

ROOT = Path(__file__).resolve().parents[2]
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
DESKTOP = {"width": 1280, "height": 900}
STAFF_USER, STAFF_PASSWORD = "a11y-staff", "a11y-staff-password"


def require_browser():
    return required("GOVPORTAL_REQUIRE_BROWSER")


def missing(what):
    """Skip locally; fail where the checks are required."""
    skip_or_fail(what, variable="GOVPORTAL_REQUIRE_BROWSER", checks="browser checks")


def find_chromium():
    """GOVPORTAL_CHROMIUM, when set, is the only candidate; else Debian's, else PATH's."""
    override = os.environ.get("GOVPORTAL_CHROMIUM")
    candidates = (
        [override] if override else ["/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")]
    )
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            # Also tells pytest-django to create the test database: `site` loads into it.
            # Each test runs in a transaction that is rolled back; the shared data is not.
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = find_chromium()
    if executable is None:
        missing("No chromium found (looked for /usr/bin/chromium and chromium on PATH; `apt-get install chromium`)")
    return {**browser_type_launch_args, "executable_path": executable, "args": LAUNCH_ARGS}


@pytest.fixture(scope="session")
def vnu_command():
    java = shutil.which("java")
    if java is None:
        missing("No Java found for the Nu HTML Checker (`apt-get install default-jre-headless`)")
    if not VNU_JAR.is_file():
        missing(f"No Nu HTML Checker at {VNU_JAR.relative_to(ROOT)} (`npm ci`)")
    return [java, "-Xss8m", "-jar", str(VNU_JAR)]


@pytest.fixture(scope="package")
def site(django_db_setup, django_db_blocker):
    """The data `make run` serves (seed, then every app's demo data), its page list and a live
    server, shared by every browser test: loading the demo data takes many seconds, so it is
    loaded once, not per test. The browser tests only read. Afterwards the database is put back
    as the migrations left it, for the tests that run next."""
    from disclosures.models import DisclosureRecord

    from ..conftest import SEED_INDEX_NUMBER

    with django_db_blocker.unblock():
        # Never load into (or flush) anything but a test database.
        in_test_db = (
            connection.is_in_memory_db()
            if connection.vendor == "sqlite"
            else (connection.settings_dict["NAME"].startswith("test_"))
        )
        assert in_test_db, f"refusing to load demo data into {connection.settings_dict['NAME']}"
        snapshot = connection.creation.serialize_db_to_string()
        try:
            call_command("load_seed", verbosity=0)
            call_command("load_demo_data", verbosity=0)
            seed = DisclosureRecord.objects.get(index_number=SEED_INDEX_NUMBER)
            # With an authenticator: the admin needs the second step (tests/browser/test_admin.py).
            authenticator(get_user_model().objects.create_superuser(STAFF_USER, "staff@example.com", STAFF_PASSWORD))
            server = LiveServer("localhost")
            try:
                yield SimpleNamespace(seed=seed, pages=public_pages(seed), url=server.url)
            finally:
                server.stop()
        finally:
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True, allow_cascade=True)
            connection.creation.deserialize_db_from_string(snapshot)


@pytest.fixture
def reader_context(browser, site):
    """reader_context(reader="elder=1", js=True, width=1280) -> a BrowserContext.

    `reader` is the cookie the server reads, so the first paint is already in that mode."""
    contexts = []

    def _new(*, reader="", js=True, width=DESKTOP["width"], height=DESKTOP["height"], **context_args):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            java_script_enabled=js,
            locale="zh-CN",
            base_url=site.url,
            **context_args,
        )
        contexts.append(context)
        if reader:
            context.add_cookies([{"name": "reader", "value": reader, "url": site.url}])
        return context

    yield _new
    for context in contexts:
        close_settled(context)


def close_settled(context):
    """Close a browser context once its pages have loaded. Never while one is still navigating
    (a test that ends on a click or a key that leads on): chromium may then never answer the
    close (Target.disposeBrowserContext), and Playwright waits for it without a timeout."""
    for page in context.pages:
        page.wait_for_load_state()
    context.close()


def watch_console(page):
    """Collect console errors (CSP refusals included) on page.console_errors. A page's own
    4xx status (the 404 page) is expected and not collected."""
    page.console_errors = []

    def on_console(message):
        own_status = message.text.startswith("Failed to load resource") and message.location.get("url") == page.url
        if message.type == "error" and not own_status:
            page.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    return page


@pytest.fixture
def open_page(reader_context):
    """open_page(path, reader="elder=1", js=True, width=1280) -> a loaded Page in a fresh context."""

    def _open(path, **context_args):
        page = watch_console(reader_context(**context_args).new_page())
        page.goto(path)
        return page

    return _open


def reader_cookie(page):
    for cookie in page.context.cookies():
        if cookie["name"] == "reader":
            return cookie["value"].strip('"')
    return ""


def wait_until(page, expression, seconds=10):
    """Polled from here: page.wait_for_function evaluates its predicate with eval once it has to
    poll, which the admin's CSP (script-src 'self') refuses; page.evaluate is not subject to it."""
    ends = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < ends, f"not true within {seconds} s: {expression}"
        time.sleep(0.05)
