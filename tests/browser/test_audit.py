"""In a real browser: no hostile string runs or reaches a header; admins sign in with a second factor."""

import re

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from playwright.sync_api import expect

from tests.audit import hostile
from tests.browser.conftest import axe_violations, sign_in, sign_in_with_second_factor


def _watch_headers(page):
    seen = []
    page.on("response", lambda r: seen.append((r.url, r.headers)))
    return seen


def _assert_clean(page, headers):
    assert page.evaluate("window.__pwned") is None, "a hostile string ran"
    for url, values in headers:
        for name, value in values.items():
            for marker in ("pwned", "evil.example.org"):
                assert marker not in value, f"{marker} reached {name} of {url}"


def test_hostile_strings_typed_into_forms_never_run(page, world):
    headers = _watch_headers(page)
    sign_in(page, "liaison")
    guardian = world.caseload_family.guardians.first()
    page.goto(f"{page.base_url}/people/guardians/{guardian.pk}/edit/")
    page.get_by_label("Given name").fill(hostile.IMG)
    page.get_by_label("Family name").fill(hostile.SCRIPT)
    page.get_by_label("Goes by").fill(hostile.ATTR)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"/people/households/{world.caseload_family.pk}/$"))
    page.goto(f"{page.base_url}/people/households/{world.caseload_family.pk}/edit/")
    page.get_by_label("Notes").fill(f"{hostile.SVG} {hostile.RTL} {hostile.TEMPLATE}")
    page.get_by_role("button", name="Save").click()

    for path in [
        f"/people/households/{world.caseload_family.pk}/",
        f"/people/guardians/{guardian.pk}/",
        "/people/",
    ]:
        page.goto(page.base_url + path)
        page.wait_for_load_state("networkidle")
        _assert_clean(page, headers)
    # The strings are shown as the text they are.
    page.goto(f"{page.base_url}/people/households/{world.caseload_family.pk}/")
    expect(page.get_by_text(hostile.SVG, exact=False)).to_be_visible()
    expect(page.get_by_text("{{ 7|add:7 }}", exact=False)).to_be_visible()
    # Search as one types, results swapped in by htmx.
    page.goto(page.base_url + "/people/search/")
    page.get_by_label("Name, phone, email, or a child's name").press_sequentially(
        "<script>window", delay=10
    )
    page.wait_for_load_state("networkidle")
    _assert_clean(page, headers)


def test_a_hostile_message_body_never_runs(page, world):
    headers = _watch_headers(page)
    sign_in(page, "liaison")
    page.goto(f"{page.base_url}/messages/households/{world.caseload_family.pk}/write/")
    page.locator("textarea[name=body]").fill(f"{hostile.SCRIPT}{hostile.IMG}")
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{page.base_url}/people/households/{world.caseload_family.pk}/")
    page.wait_for_load_state("networkidle")
    _assert_clean(page, headers)


def test_an_admin_signs_in_with_password_and_authenticator_code(page, world):
    secret = generate_totp_secret()
    TOTP.activate(world.admin, secret)
    sign_in(page, "admin")
    expect(page.get_by_label("Code")).to_be_visible()  # the password alone is not enough
    page.goto(page.base_url + "/people/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.context.clear_cookies()
    sign_in_with_second_factor(page, "admin", secret)
    expect(page.get_by_role("heading", name="Households")).to_be_visible()


def test_an_admin_without_a_second_factor_is_sent_to_set_one_up(page, world):
    sign_in(page, "admin")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/"))
    page.goto(f"{page.base_url}/people/households/{world.site_family.pk}/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/"))
    assert not axe_violations(page)
