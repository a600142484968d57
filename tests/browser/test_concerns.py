"""Concerns in the browser: logging a call with the keyboard alone, and accessible pages."""

from playwright.sync_api import expect

from liaison.concerns.models import Contact
from tests.browser.conftest import axe_violations, sign_in
from tests.concerns import factories as cf


def test_liaison_logs_a_call_from_the_household_page_with_the_keyboard_alone(page, world):
    household = world.caseload_family
    sign_in(page, "liaison")
    page.goto(page.base_url + household.get_absolute_url())
    expect(page.get_by_role("heading", name="Log a contact")).to_be_visible()

    page.keyboard.press("c")  # jump to the form
    kind = page.get_by_label("Kind")
    expect(kind).to_be_focused()
    expect(kind).to_have_value("call")
    page.keyboard.press("Tab")
    expect(page.get_by_label("With")).to_be_focused()
    page.keyboard.press("ArrowDown")  # the household's one guardian
    page.keyboard.press("Tab")
    expect(page.get_by_label("Purpose")).to_be_focused()
    page.keyboard.type("Asked about bus times")
    page.keyboard.press("Tab")
    page.keyboard.type("Will call the transport office")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Minutes")).to_be_focused()
    page.keyboard.type("7")
    page.keyboard.press("Enter")

    expect(page.get_by_text("Contact logged.")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Asked about bus times")
    contact = Contact.objects.get()
    assert contact.guardian == household.guardians.first()
    assert contact.duration_minutes == 7 and contact.by == world.liaison


def test_concern_pages_have_no_accessibility_violations(page, world):
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    meeting = cf.meeting(concern)
    sign_in(page, "liaison")
    for path in [
        world.caseload_family.get_absolute_url(),
        "/concerns/",
        concern.get_absolute_url(),
        meeting.get_absolute_url(),
        f"/concerns/households/{world.caseload_family.pk}/new/",
        f"/concerns/households/{world.caseload_family.pk}/contacts/",
    ]:
        page.goto(page.base_url + path)
        assert axe_violations(page) == [], path


def test_concern_page_works_at_phone_width(phone_page, world):
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    sign_in(phone_page, "liaison")
    for path in [
        concern.get_absolute_url(),
        "/concerns/",
        world.caseload_family.get_absolute_url(),
    ]:
        phone_page.goto(phone_page.base_url + path)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} scrolls sideways at 360 px ({width} px wide)"
