"""Attendance outreach in the browser: a Tier 3 student appears on the liaison's Today with its
reasons, the liaison logs a call from it, and the at-risk row shows the attempt.

The issue's test starts with an admin importing a day's file; the import (part A) and the
recompute (part B) are other branches: here the day's result is put in place as the recompute
leaves it (the student's measures and tier), then outreach's own hook runs, as the import will
call it after the recompute."""

from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from liaison.attendance import services
from liaison.attendance.choices import Tier
from liaison.attendance.models import StudentAttendance, school_year_of
from tests.browser.conftest import axe_violations, sign_in


def test_a_new_tier_3_student_reaches_today_and_the_logged_call_shows_on_the_at_risk_row(
    page, world
):
    student = world.caseload_family.students.get()
    today = timezone.localdate()
    StudentAttendance.objects.create(
        district=world.district,
        student=student,
        school_year=school_year_of(today),
        site=world.school,
        as_of=today,
        days_enrolled=40,
        days_absent=Decimal(9),
        rate=Decimal("0.7750"),
        chronic=True,
        consecutive_absences=3,
        consecutive_unexcused=3,
        tier=Tier.INTENSIVE,
        tier_since=today,
    )
    services.after_recompute(district=world.district, student_ids=[student.pk], as_of=today)

    sign_in(page, "liaison")
    page.goto(page.base_url + "/")
    row = page.locator(".today-row", has_text="Tier 3 attendance: CaseloadChild Caseload")
    expect(row).to_contain_text("Chronically absent: 9 of 40 days missed (22%)")
    expect(row).to_contain_text("Absent 3 days in a row")
    expect(row).to_contain_text("No attempt yet")
    assert axe_violations(page) == []

    row.get_by_role("link", name="Log an attempt").click()
    page.get_by_label("Purpose").fill("Attendance: nine days missed")
    page.get_by_label("Result").select_option(label="No answer")
    page.get_by_role("button", name="Log contact").click()
    expect(page.get_by_text("Contact logged.")).to_be_visible()

    page.goto(page.base_url + "/attendance/at-risk/")
    at_risk = page.locator(f'[data-at-risk-row="{student.pk}"]')
    expect(at_risk).to_contain_text("1 attempt: phone call")
    expect(at_risk).to_contain_text("(no answer)")
    expect(at_risk).to_contain_text("another way than phone call")
    assert axe_violations(page) == []
