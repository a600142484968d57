"""Attendance outreach in the browser, as issue #21 asks: the district admin imports a day's file
on the Imports page, the import runs in the background and the recompute moves a student into
Tier 3; the liaison sees the student on Today with the reasons in words, logs a call from the row,
and the at-risk list's row shows the attempt and the next one due.

The two school days before are imported in the setup through the import service, as the nightly
drop folder would have brought them; the calendar's last day and the day's events are uploaded
through the page. The upload is queued on the project's default task backend (the database) and a
worker runs it, as `liaison serve` runs one: the worker's batch runs here, between two requests of
the live server (they share the test's in-memory database connection)."""

import datetime as dt

from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from liaison.attendance import imports
from liaison.attendance.choices import ImportStatus, Tier
from liaison.attendance.models import AttendanceImport, StudentAttendance
from liaison.people.models import Enrolment
from tests.browser.conftest import axe_violations, sign_in, sign_in_as_admin


def school_days_up_to(last: dt.date, count: int) -> list[dt.date]:
    """The `count` weekdays ending on `last` (a weekday), oldest first."""
    days: list[dt.date] = []
    day = last
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= dt.timedelta(days=1)
    return days[::-1]


def calendar_csv(days) -> str:
    return "school_id,calendar_date,calendar_events,note\n" + "".join(
        f"alder,{d.isoformat()},Instructional day,\n" for d in days
    )


def events_csv(days) -> str:
    return (
        "school_id,student_id,attendance_event_date,attendance_event_category,"
        "attendance_event_reason,attendance_event_duration\n"
        + "".join(f"alder,s-ana,{d.isoformat()},Unexcused Absence,,\n" for d in days)
    )


def run_background_tasks(live_server) -> None:
    """What the task worker does: run every queued task, while the live server answers nothing."""
    with live_server.thread.httpd.request_lock:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def test_an_imported_day_puts_a_student_in_tier_3_on_today_and_the_logged_call_shows_on_the_at_risk_row(
    page, world, live_server, tmp_path, settings
):
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    today = timezone.localdate()
    last = today
    while last.weekday() >= 5:  # the latest school day: today, or Friday at a weekend
        last -= dt.timedelta(days=1)
    days = school_days_up_to(last, 12)
    earlier, day = days[:-1], days[-1]

    world.school.sourced_id = "alder"
    world.school.save()
    student = world.caseload_family.students.get()
    student.sourced_id = "s-ana"
    student.save()
    Enrolment.objects.filter(student=student).update(starts_on=days[0])
    for name, text in (
        ("calendar.csv", calendar_csv(earlier)),
        ("earlier.csv", events_csv(earlier[-2:])),
    ):
        (tmp_path / name).write_text(text)
        imports.import_file(district=world.district, path=tmp_path / name)
    ana = StudentAttendance.objects.get(student=student)
    assert ana.consecutive_unexcused == 2 and ana.tier != Tier.INTENSIVE

    # The district admin uploads the calendar's new day, then the day's attendance.
    sign_in_as_admin(page, world)
    page.goto(page.base_url + "/attendance/imports/")
    for name, text, heading in (
        ("calendar-day.csv", calendar_csv([day]), "School calendar"),
        ("attendance-day.csv", events_csv([day]), "Attendance events"),
    ):
        page.locator("input[type=file]").set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}]
        )
        page.get_by_role("button", name="Start the import").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)
        expect(page.locator("#import-status")).to_contain_text("Waiting")
        run_background_tasks(live_server)
        expect(page.locator("#import-status")).to_contain_text("Rows accepted")
        expect(page.locator("#import-status")).to_contain_text(heading)
        expect(page.locator("#import-status")).not_to_contain_text("Refused rows")
        page.get_by_role("link", name="Attendance imports", exact=True).last.click()
    assert not AttendanceImport.objects.exclude(status=ImportStatus.DONE).exists()
    ana.refresh_from_db()
    assert (ana.as_of, ana.tier, ana.consecutive_unexcused) == (day, Tier.INTENSIVE, 3)
    page.get_by_role("button", name="Sign out").click()

    # The liaison finds the student on Today, with the reasons in words.
    sign_in(page, "liaison")
    page.goto(page.base_url + "/")
    row = page.locator(".today-row", has_text="Tier 3 attendance: CaseloadChild Caseload")
    expect(row).to_contain_text("Severely absent: 25% of days missed")
    expect(row).to_contain_text("Absent 3 days in a row")
    expect(row).to_contain_text("No attempt yet")
    assert axe_violations(page) == []

    row.get_by_role("link", name="Log an attempt").click()
    page.get_by_label("Purpose").fill("Attendance: three days missed")
    page.get_by_label("Result").select_option(label="No answer")
    page.get_by_role("button", name="Log contact").click()
    expect(page.get_by_text("Contact logged.")).to_be_visible()

    page.goto(page.base_url + "/attendance/at-risk/")
    at_risk = page.locator(f'[data-at-risk-row="{student.pk}"]')
    expect(at_risk).to_contain_text("Tier 3")
    expect(at_risk).to_contain_text("Absent 3 days in a row")
    expect(at_risk).to_contain_text("1 attempt: phone call")
    expect(at_risk).to_contain_text("(no answer)")
    expect(at_risk).to_contain_text("Next attempt due")
    expect(at_risk).to_contain_text("another way than phone call")
    assert axe_violations(page) == []
