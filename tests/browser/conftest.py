"""Playwright driving Debian's Chromium against a live server. No browser download is ever used."""

import os
import threading

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

CHROMIUM = os.environ.get("LIAISON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server, answering one request at a time.

    The live server's threads share the test's one in-memory SQLite connection, and a
    sqlite3 connection used by two threads at once fails ("bad parameter or other API
    misuse"). A page's own request and the navigation counts it polls for can arrive
    together, so each request holds a lock while Django handles it. Connections stay one
    thread each (Chromium keeps idle ones open), so only the handling is serialised. A test
    that works on the database while pages poll (a task worker's run) holds `request_lock`."""

    def set_app(self, application):
        lock = self.request_lock = threading.Lock()

        def one_at_a_time(environ, start_response):
            with lock:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


LiveServerThread.server_class = OneRequestAtATimeServer


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            # Under pytest-xdist (--dist loadgroup) the browser tests share one worker: one
            # Chromium and one live server, not one per worker competing for the cores.
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture
def page(browser, live_server, transactional_db, settings):
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server, transactional_db, settings):
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="en-US"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base_url = live_server.url
    yield page
    context.close()


def sign_in(page, username, password="correct-horse-battery"):
    page.goto(page.base_url + "/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def axe_violations(page) -> list:
    """Accessibility violations (WCAG 2.2 AA rules) reported by axe-core on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
            }
        },
    )
    return results.response["violations"]


def sign_in_with_second_factor(page, username, totp_secret, password="correct-horse-battery"):
    """Sign in as a role that needs a second factor (district admin, site leader): password,
    then the current code of the authenticator app whose secret is `totp_secret`."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    sign_in(page, username, password)
    if 30 - time.time() % 30 < 3:  # a code about to expire may reach the server a period late
        time.sleep(30 - time.time() % 30 + 0.1)
    page.get_by_label("Code").fill(
        format_hotp_value(hotp_value(totp_secret, int(time.time()) // 30))
    )
    page.get_by_role("button", name="Sign in").click()


def sign_in_as_admin(page, world):
    """Sign in as the world's district admin, who must use a second factor."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(world.admin, secret)
    sign_in_with_second_factor(page, "admin", secret)
