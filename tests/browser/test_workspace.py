"""A liaison's first minutes: sign in, see the caseload, find a family while typing, open it."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, sign_in


def test_liaison_signs_in_searches_and_opens_a_household(page, world):
    sign_in(page, "liaison")
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    expect(page.get_by_role("link", name="Caseload household")).to_be_visible()

    page.get_by_role("link", name="Find a family").first.click()
    box = page.get_by_label("Name, phone, email, or a child's name")
    box.press_sequentially("Caselo", delay=40)  # results arrive while typing, no submit
    result = page.locator("#results").get_by_role("link", name="Caseload household")
    expect(result).to_be_visible()
    result.click()

    expect(page).to_have_url(re.compile(rf"/people/households/{world.caseload_family.pk}/$"))
    expect(page.get_by_role("heading", name="Caseload household", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="CaseloadParent Caseload")).to_be_visible()
    expect(page.get_by_role("link", name="CaseloadChild Caseload")).to_be_visible()


def test_search_forgives_a_typo(page, world):
    sign_in(page, "liaison")
    page.goto(page.base_url + "/people/search/")
    page.get_by_label("Name, phone, email, or a child's name").press_sequentially(
        "Casload", delay=30
    )
    expect(page.locator("#results").get_by_role("link", name="Caseload household")).to_be_visible()


def test_contact_restriction_is_shown_prominently(page, world):
    guardian = world.caseload_family.guardians.first()
    guardian.contact_restricted = True
    guardian.contact_restriction_reason = "Court order (synthetic)"
    guardian.save()
    sign_in(page, "liaison")
    page.goto(page.base_url + world.caseload_family.get_absolute_url())
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("must not be contacted")
    expect(page.get_by_text("Contact restricted").first).to_be_visible()


def test_workspace_pages_have_no_accessibility_violations(page, world):
    sign_in(page, "liaison")
    for path in [
        "/people/",
        "/people/search/?q=case",
        world.caseload_family.get_absolute_url(),
        f"/people/households/{world.caseload_family.pk}/edit/",
    ]:
        page.goto(page.base_url + path)
        assert axe_violations(page) == [], path


def test_household_page_works_at_phone_width(phone_page, world):
    sign_in(phone_page, "liaison")
    phone_page.goto(phone_page.base_url + world.caseload_family.get_absolute_url())
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page scrolls sideways at 360 px ({width} px wide)"
