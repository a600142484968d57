"""The inbox a liaison lives in: a preview of each thread, unread until opened, and its filters."""

from playwright.sync_api import expect

from liaison.messaging import services
from tests import factories as f
from tests.browser.conftest import axe_violations, sign_in
from tests.messaging.factories import family


def test_inbox_preview_unread_then_read_and_filter(page, world):
    household, (mum,) = family(world.district, guardians=1, name="Brightwater", site=world.school)
    services.record_family_reply(
        guardian=mum, body="Can we move Thursday's meeting to the afternoon?", channel="sms"
    )
    answered, _ = family(world.district, guardians=1, name="Quietbrook", site=world.school)
    services.send_message(household=answered, body="See you at the fair", by=world.admin)
    for on_caseload in (household, answered):
        f.AssignmentFactory(staff=world.liaison, household=on_caseload)

    sign_in(page, "liaison")
    page.goto(page.base_url + "/messages/")
    row = page.get_by_role("row").filter(has_text="Brightwater household")
    expect(row).to_contain_text("Can we move Thursday's meeting to the afternoon?")
    expect(row).to_contain_text("Unread")
    expect(page.get_by_role("row").filter(has_text="Quietbrook household")).to_contain_text(
        "See you at the fair"
    )
    assert axe_violations(page) == []

    row.get_by_role("link", name="Brightwater household").click()
    expect(page.locator("#thread")).to_contain_text("Thursday's meeting")
    page.goto(page.base_url + "/messages/")
    row = page.get_by_role("row").filter(has_text="Brightwater household")
    expect(row).not_to_contain_text("Unread")
    expect(row).to_contain_text("Read")

    page.get_by_role("link", name="Awaiting reply", exact=True).click()
    expect(page.get_by_role("row").filter(has_text="Brightwater household")).to_have_count(1)
    expect(page.get_by_role("row").filter(has_text="Quietbrook household")).to_have_count(0)
    assert axe_violations(page) == []
