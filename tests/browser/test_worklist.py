"""Today in the browser: yesterday's follow-up is due, done in place, and the count drops."""

import datetime as dt

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from liaison.worklist.models import Task
from tests.browser.conftest import axe_violations, sign_in


def test_liaison_completes_a_follow_up_from_yesterdays_call_and_the_count_drops(page, world):
    household = world.caseload_family
    sign_in(page, "liaison")
    page.goto(page.base_url + f"/concerns/households/{household.pk}/contacts/")
    page.get_by_label("Purpose").fill("Asked about the bus pass")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.get_by_label("Follow up on").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Log contact").click()
    expect(page.get_by_text("Contact logged.")).to_be_visible()

    # A day passes: the liaison signs in the next morning (yesterday's session has run out).
    with time_machine.travel(timezone.now() + dt.timedelta(days=1), tick=True):
        sign_in(page, "liaison")
        page.goto(page.base_url + "/")
        expect(page.get_by_role("heading", name="Today")).to_be_visible()
        row = page.locator(".today-row", has_text="Follow up: Asked about the bus pass")
        expect(row).to_contain_text("Follow-up due today")
        due = page.locator('#nav-counts [data-count="due"] .count-n')
        expect(due).to_have_text("1")
        assert axe_violations(page) == []

        row.get_by_label("Outcome").fill("The pass is on its way.")
        row.get_by_role("button", name="Mark done").click()
        expect(page.locator(".today-row.done")).to_contain_text(
            "Done: Follow up: Asked about the bus pass"
        )
        expect(due).to_have_text("0")
        task = Task.objects.get()
        assert task.outcome == "The pass is on its way." and task.done_at is not None


def test_a_bullying_report_from_the_portal_tops_the_family_liaisons_today(browser, page, world):
    """The family writes from the portal; moments later it is the first thing on its liaison's
    Today, marked high in words, above a task that was due days ago."""
    from django.contrib.sessions.backends.db import SessionStore

    from liaison.portal.session import LANGUAGE_KEY, SESSION_KEY
    from liaison.worklist import services as worklist

    household = world.caseload_family
    worklist.create_task(
        owner=world.liaison,
        title="Send the enrolment forms",
        due_on=timezone.localdate() - dt.timedelta(days=3),
        by=world.liaison,
        household=household,
    )
    sign_in(page, "liaison")
    page.goto(page.base_url + "/")
    expect(page.locator(".today-row").first).to_contain_text("Send the enrolment forms")

    # The family, signed in on its phone (in English, so that the words can be read here).
    family = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    store = SessionStore()
    store[SESSION_KEY] = household.guardians.first().pk
    store[LANGUAGE_KEY] = "en"
    store.create()
    host = page.base_url.split("//")[1].split(":")[0]
    family.add_cookies(
        [{"name": "sessionid", "value": store.session_key, "domain": host, "path": "/"}]
    )
    phone = family.new_page()
    phone.goto(page.base_url + "/family/concerns/new/")
    phone.get_by_label("What is it about?").select_option(label="Bullying or safety")
    phone.get_by_label("Tell us what happened").fill("Older boys push my son on the bus every day.")
    phone.get_by_label("Call me").check()
    phone.get_by_role("button", name="Send to the school").click()
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    family.close()

    page.reload()
    first = page.locator(".today-row").first
    expect(first).to_contain_text("Bullying or safety")
    expect(first).to_contain_text("High")
    expect(page.locator(".today-row").nth(1)).to_contain_text("Send the enrolment forms")
    assert axe_violations(page) == []
