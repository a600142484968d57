"""Resources in the browser: finding a service as the liaison types, and referring a family to it."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from liaison.resources.models import Referral
from tests.browser.conftest import axe_violations, sign_in
from tests.resources.conftest import DATA, sample_id


@pytest.fixture
def directory(transactional_db):
    """The hand-checked HSDS sample of tests/resources, imported."""
    from liaison.resources.hsds import importer

    report = importer.import_path(DATA / "sample")
    assert not report.problems
    return report


def test_liaison_finds_a_pantry_as_she_types_and_refers_the_family(page, world, directory):
    household = world.caseload_family
    household.latitude, household.longitude = 42.3601, -71.0589  # beside the food bank
    household.save()
    sign_in(page, "liaison")
    page.goto(page.base_url + household.get_absolute_url())
    referrals = page.get_by_role("region", name="Referrals")
    expect(referrals).to_contain_text("No referrals yet.")
    referrals.get_by_role("link", name="Find a resource").click()
    expect(page.get_by_role("heading", name="Find a resource")).to_be_visible()
    assert axe_violations(page) == []

    # Typing is enough: htmx asks for the results and swaps them in, without a page load.
    page.evaluate("window.notReloaded = true")
    page.get_by_label("What does the family need?").press_sequentially("pant", delay=40)
    results = page.locator("#results")
    pantry = results.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Weekly Food Pantry")
    )
    expect(pantry).to_be_visible()
    expect(pantry).to_contain_text("Name matches “pant”")
    expect(pantry).to_contain_text("Spanish")
    expect(pantry).to_contain_text("Tue, Thu 9:00\u202fAM–5:00\u202fPM")
    expect(pantry).to_contain_text("mi")
    assert page.evaluate("window.notReloaded") is True
    expect(page).to_have_url(re.compile(r"q=pant"))  # the address can be shared or reloaded
    assert axe_violations(page) == []

    # A filter searches as soon as it changes.
    page.get_by_label("Free only").check()
    expect(page).to_have_url(re.compile(r"free=on"))
    page.get_by_label("Free only").uncheck()
    expect(page).not_to_have_url(re.compile(r"free=on"))

    # A word that matches nothing says so, and offers to record an unmet need.
    page.get_by_label("What does the family need?").fill("zzzq")
    expect(results).to_contain_text("No service matches.")
    expect(results.get_by_role("link", name="Record this as an unmet need")).to_be_visible()

    page.get_by_label("What does the family need?").fill("pantry")
    expect(pantry).to_contain_text("Name matches “pantry”")
    expect(page).to_have_url(re.compile(r"q=pantry"))
    # Leaving the search field for a result's link asks for no search of its own: a search sent
    # on "change" as the link was clicked could cancel the page the liaison asked for.
    page.get_by_label("What does the family need?").blur()
    assert page.evaluate("document.querySelector('.htmx-request') === null")
    pantry.get_by_role("link", name="Refer the family").click()
    expect(page.get_by_role("heading", name=re.compile("to Weekly Food Pantry"))).to_be_visible()
    assert axe_violations(page) == []

    # Consent first: sharing the family's details without it is refused, naming the field.
    page.get_by_label("Need").select_option(str(sample_id("term-food")))
    page.get_by_label("the family agreed to this referral").check()
    follow_up = dt.date.today() + dt.timedelta(days=7)
    page.get_by_label("follow up on").fill(follow_up.isoformat())
    page.get_by_role("button", name="Record the referral").click()
    expect(page.locator("#id_consent_note_error")).to_contain_text(
        "Say how the family gave consent"
    )
    assert page.get_by_label("follow up on").input_value() == follow_up.isoformat()
    page.get_by_label("how consent was given").fill("By phone with the mother")
    page.get_by_role("button", name="Record the referral").click()

    expect(page.get_by_text("Referral recorded.")).to_be_visible()
    expect(page.get_by_role("heading", name="Referral to Weekly Food Pantry")).to_be_visible()
    expect(page.get_by_text("By phone with the mother")).to_be_visible()
    assert axe_violations(page) == []
    referral = Referral.objects.get()
    assert referral.household == household and referral.consent_given
    assert referral.follow_up_on == follow_up and referral.need_id == sample_id("term-food")

    page.get_by_role("link", name=household.name).first.click()
    expect(page.get_by_role("region", name="Referrals")).to_contain_text("Weekly Food Pantry")


def test_directory_pages_have_no_accessibility_violations(page, world, directory):
    sign_in(page, "liaison")
    for path in ["/resources/", f"/resources/services/{sample_id('svc-pantry')}/"]:
        page.goto(page.base_url + path)
        assert axe_violations(page) == [], path
