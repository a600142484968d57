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
