"""The attendance rules page: every tier rule stated with the district's numbers; admins change them."""

import datetime as dt

from liaison.attendance.choices import Category, Tier
from liaison.attendance.models import AttendanceEvent, AttendanceRules, SchoolDay, StudentAttendance
from liaison.attendance.services import recompute
from liaison.attendance.tiers import reasons_of
from tests import factories as f


def test_admin_reads_each_rules_trigger_action_owner_and_wording(client, world):
    client.force_login(world.admin)
    page = client.get("/attendance/rules/").content.decode()
    assert "Missed 10% or more (but less than 20%) of the school days enrolled so far" in page
    assert "2 days absent by the end of the first month, 4 by the end of the second" in page
    assert "Absent without excuse 3 or more school days in a row." in page
    assert "A task for the liaison: offer a home visit" in page
    assert "The student&#x27;s liaison" in page
    assert "3 unexcused days absent in a row" in page  # the words staff see


def test_staff_other_than_the_districts_admins_do_not_find_the_page(client, world):
    for person in (world.liaison, world.leader, world.teacher, world.outsider):
        client.force_login(person)
        assert client.get("/attendance/rules/").status_code == 404


def test_changed_numbers_place_students_again(client, world):
    site = world.school
    day = dt.date(2026, 9, 1)
    days = [
        day + dt.timedelta(days=i) for i in range(21) if (day + dt.timedelta(days=i)).weekday() < 5
    ]
    SchoolDay.objects.bulk_create([SchoolDay(site=site, date=d, school_year=2026) for d in days])
    student = f.StudentFactory(household__district=world.district)
    f.EnrolmentFactory(student=student, site=site, starts_on=day)
    AttendanceEvent.objects.create(
        district=world.district,
        site=site,
        student=student,
        date=days[2],
        category=Category.UNEXCUSED_ABSENCE,
    )
    AttendanceEvent.objects.create(
        district=world.district,
        site=site,
        student=student,
        date=days[-1],
        category=Category.UNEXCUSED_ABSENCE,
    )
    recompute(district=world.district, student_ids=None, as_of=days[-1])
    row = StudentAttendance.objects.get(student=student)
    assert row.tier == Tier.EARLY  # 2 of 15 days: 13%, chronic; and on the pace of 2 in month 1

    client.force_login(world.admin)
    response = client.post(
        "/attendance/rules/",
        {
            "chronic_percent": 10,
            "intensive_percent": 12,
            "chronic_min_days": 10,
            "pace_month_1": 3,
            "pace_month_2": 5,
            "pace_month_3": 7,
            "consecutive_unexcused_intensive": 3,
            "no_improvement_weeks": 4,
            "partial_day_percent": 50,
        },
        follow=True,
    )
    assert "Rules saved" in response.content.decode()
    rules = AttendanceRules.objects.get(district=world.district)
    assert rules.pace == [3, 5, 7]
    # 2 of 15 days is 13%: now above the district's 12% for intensive support.
    row.refresh_from_db()
    assert row.tier == Tier.INTENSIVE
    assert reasons_of(row) == [{"code": "severe", "absent": "2.00", "enrolled": 15}]


def test_bad_numbers_are_refused_with_errors_naming_them(client, world):
    client.force_login(world.admin)
    response = client.post(
        "/attendance/rules/",
        {
            "chronic_percent": 20,
            "intensive_percent": 10,
            "chronic_min_days": "ten",
            "pace_month_1": 4,
            "pace_month_2": 2,
            "pace_month_3": 6,
            "consecutive_unexcused_intensive": 3,
            "no_improvement_weeks": 4,
            "partial_day_percent": 50,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Intensive support must start above the chronic absence share (20%)." in page
    assert "The pace cannot go down from one month to the next (4, 2, 6)." in page
    assert "Give a whole number." in page
    assert 'value="20"' in page  # what was typed stays
    assert not AttendanceRules.objects.filter(district=world.district).exists()
