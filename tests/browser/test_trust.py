"""In a real browser: hostile names that came in through an importer are shown as text, never run;
a staff member registers a passkey and signs in with it."""

import csv
import io
import re

from django.core.management import call_command
from playwright.sync_api import expect

from tests.audit import hostile
from tests.browser.conftest import sign_in, sign_in_as_admin

LIVE = [hostile.SCRIPT, hostile.IMG, hostile.ATTR, hostile.SVG, hostile.JS_URL, hostile.TEMPLATE]


def _import_hostile_households(tmp_path):
    from liaison.roster.households_csv import TEMPLATE_HEADER

    path = tmp_path / "households.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=TEMPLATE_HEADER, restval="")
        writer.writeheader()
        for i, payload in enumerate(LIVE):
            writer.writerow(
                {
                    "household_id": f"HX{i}",
                    "household_name": payload,
                    "person_id": f"G{i}",
                    "role": "guardian",
                    "given_name": payload,
                    "family_name": hostile.RTL,
                    "street": payload,
                    "city": payload,
                }
            )
            writer.writerow(
                {
                    "household_id": f"HX{i}",
                    "person_id": f"S{i}",
                    "role": "student",
                    "given_name": payload,
                    "family_name": "Kid",
                    "site": "Alder Elementary",
                }
            )
    call_command("import_households", str(path), "--district", "testville", stdout=io.StringIO())


def test_hostile_names_from_an_import_render_as_text_on_the_household_page(page, world, tmp_path):
    from liaison.people.models import Household

    _import_hostile_households(tmp_path)
    households = list(Household.objects.filter(source_key__startswith="csv:").order_by("pk"))
    assert len(households) == len(LIVE)
    dialogs, headers = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("response", lambda r: headers.append(r.headers))
    sign_in_as_admin(page, world)
    for household, payload in zip(households, LIVE, strict=True):
        page.goto(f"{page.base_url}/people/households/{household.pk}/")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__pwned") is None, f"{payload!r} ran"
        # Shown as the text it is: in the heading and beside the guardian's name.
        expect(page.get_by_role("heading", level=1)).to_contain_text(payload.strip())
        expect(page.locator("main")).to_contain_text(f"{payload} ")
        # Hover and focus everything an attribute breaker might have hooked.
        for element in page.locator("main a, main button").all()[:20]:
            if element.is_visible():
                element.hover()
        assert page.evaluate("window.__pwned") is None, f"{payload!r} ran on hover"
    # The family list and search, where the names show again.
    page.goto(page.base_url + "/people/search/?q=Kid")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    for values in headers:
        for value in values.values():
            assert "pwned" not in value


def test_a_staff_member_registers_a_passkey_and_signs_in_with_it(page, world, settings):
    """Chromium's virtual authenticator stands in for the phone or laptop that holds the passkey."""
    from allauth.mfa.models import Authenticator

    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    # WebAuthn needs a secure context: the live server is http://localhost, which browsers (and
    # fido2's origin check) count as one.
    assert page.base_url.startswith("http://localhost:")
    sign_in(page, "liaison")
    expect(page).to_have_url(re.compile(r"/people/$"))
    page.goto(page.base_url + "/accounts/2fa/webauthn/add/")
    # Adding a second factor asks for the password again first.
    expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/webauthn/add/$"))
    page.get_by_label("Name").fill("Laptop")
    page.get_by_label("Passwordless").check()  # a discoverable credential: it can sign in alone
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/webauthn/add/$"), timeout=15_000)
    key = Authenticator.objects.get(user=world.liaison, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Laptop"
    credentials = cdp.send("WebAuthn.getCredentials", authenticator)
    assert len(credentials["credentials"]) == 1

    # Signing in again: the password, then the passkey as the second factor.
    page.context.clear_cookies()
    sign_in(page, "liaison")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_role("button", name="Use a security key").click()
    expect(page).to_have_url(re.compile(r"/people/$"))
    expect(page.get_by_role("link", name="Caseload household")).to_be_visible()

    # Or the passkey alone, from the sign-in page.
    page.context.clear_cookies()
    page.goto(page.base_url + "/sign-in/")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(re.compile(r"/people/$"))
    expect(page.get_by_role("link", name="Caseload household")).to_be_visible()
    key.refresh_from_db()
    assert key.last_used_at is not None
