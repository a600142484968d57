"""Small things a daily user notices: the Django admin fits a 1366 px laptop screen, and the
second-factor setup is in the app's look, passes axe and ends with a clear "Continue"."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, sign_in, sign_in_with_second_factor


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_admin_fits_a_1366px_screen(browser, live_server, world):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from tests import factories as f

    root = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base_url = live_server.url
    secret = generate_totp_secret()
    TOTP.activate(root, secret)
    sign_in_with_second_factor(page, root.username, secret)
    for path in ("/admin/", "/admin/people/household/", "/admin/people/user/"):
        page.goto(page.base_url + path)
        assert page.url.endswith(path), page.url
        expect(page.locator("#content")).to_be_visible()
        assert _no_sideways_scroll(page), f"{path} scrolls sideways at 1366 px"
        # Every link of the menu is on screen, none cut off at the right edge.
        right = page.evaluate(
            "Math.max(...[...document.querySelectorAll('#header a, #nav-sidebar a')]"
            ".map(a => a.getBoundingClientRect().right))"
        )
        assert right <= 1366, f"{path}: a menu link ends at {right}px"
    context.close()


def test_a_leader_sets_up_a_second_factor_in_the_apps_look_and_continues(page, world):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    sign_in(page, "leader")  # a site leader must have a second factor
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))
    expect(page.locator("body.allauth")).to_be_visible()
    expect(page.get_by_text("Set up one second factor")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Activate").click()
    # Setting up a factor asks for the password again first, on a page in the same look.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    expect(page.locator("body.allauth")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    assert axe_violations(page) == []
    import time

    secret = page.locator("#authenticator_secret").input_value()
    if 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30 + 0.1)
    page.get_by_label("Authenticator code").fill(
        format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    )
    page.get_by_role("button", name="Activate").click()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    expect(page.get_by_text("Your second factor is set up.")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Continue to Liaison").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/"))
    expect(page.locator("nav.mainnav")).to_be_visible()
