"""The at-risk list: students ranked by a score whose every point has a reason in words, with the
family's outreach so far and the next attempt due; its export, call list and "start outreach";
Tier 3 making a task for the liaison and a row on Today."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from liaison.attendance import atrisk, services
from liaison.attendance.choices import Tier
from liaison.attendance.models import (
    AtRiskScore,
    AttendanceRules,
    StudentAttendance,
    school_year_of,
)
from liaison.concerns import services as concern_services
from liaison.concerns.choices import ContactKind, ContactResult
from liaison.concerns.models import Contact
from liaison.people.choices import Programme
from liaison.people.models import StudentProgramme
from liaison.worklist.models import Task

pytestmark = pytest.mark.django_db


def _measures(
    household, *, absent, enrolled=60, tier=Tier.EARLY, in_a_row=0, last4=None, prev4=None
):
    student = household.students.get()
    today = timezone.localdate()
    rate = Decimal(1) - Decimal(absent) / Decimal(enrolled)
    return StudentAttendance.objects.create(
        district_id=household.district_id,
        student=student,
        school_year=school_year_of(today),
        site=student.enrolments.get().site,
        as_of=today,
        days_enrolled=enrolled,
        days_absent=Decimal(absent),
        rate=rate.quantize(Decimal("0.0001")),
        chronic=rate <= Decimal("0.9"),
        consecutive_absences=in_a_row,
        rate_last_4_weeks=last4,
        rate_previous_4_weeks=prev4,
        tier=tier,
        tier_since=today,
    )


@pytest.fixture
def listed(world):
    """Three families of the liaison's school on the list, one on the caseload in Tier 3."""
    _measures(world.caseload_family, absent=14, tier=Tier.INTENSIVE, in_a_row=3)
    _measures(world.site_family, absent=7, last4=Decimal("0.80"), prev4=Decimal("0.95"))
    _measures(world.taught_family, absent=2, tier=Tier.UNIVERSAL)
    _measures(world.foreign_family, absent=30, tier=Tier.INTENSIVE)
    StudentProgramme.objects.create(
        student=world.site_family.students.get(), programme=Programme.MCKINNEY_VENTO
    )
    for district in (world.district, world.other_district):
        atrisk.refresh_scores(district=district)
    return world


def test_each_point_of_the_score_has_a_reason_in_words(listed):
    row = AtRiskScore.objects.get(student__household=listed.caseload_family)
    words = [atrisk.reason_words(r) for r in row.reasons]
    assert words == [
        "Chronically absent: 14 of 60 days missed (23%)",
        "Severely absent: 23% of days missed",
        "Absent 3 days in a row",
    ]
    assert row.score == 30 + 20 + 15 == sum(r["points"] for r in row.reasons)
    other = AtRiskScore.objects.get(student__household=listed.site_family)
    assert [atrisk.reason_words(r) for r in other.reasons] == [
        "Chronically absent: 7 of 60 days missed (12%)",
        "Attendance falling: 80% in the last four weeks, 95% before",
        "McKinney-Vento (housing insecure)",
    ]


def test_the_district_sets_the_points_and_a_reason_at_zero_no_longer_counts(listed):
    AttendanceRules.objects.create(
        district=listed.district, weights={"mckinney_vento": 0, "in_a_row": 40}
    )
    atrisk.refresh_scores(district=listed.district)
    caseload = AtRiskScore.objects.get(student__household=listed.caseload_family)
    assert caseload.score == 30 + 20 + 40 and caseload.reasons[0]["code"] == "in_a_row"
    site = AtRiskScore.objects.get(student__household=listed.site_family)
    assert "mckinney_vento" not in [r["code"] for r in site.reasons]


def test_the_engagement_reasons_come_from_insights(listed):
    from liaison.insights.models import HouseholdEngagement

    HouseholdEngagement.objects.create(
        household_id=listed.site_family.pk,
        district_id=listed.district.pk,
        last_two_way_at=timezone.now() - dt.timedelta(days=75),
        all_channels_failing=True,
    )
    atrisk.refresh_scores(district=listed.district)
    site = AtRiskScore.objects.get(student__household=listed.site_family)
    words = [atrisk.reason_words(r) for r in site.reasons]
    assert "No two-way contact in 75 days (limit 60)" in words
    assert "Every channel to the family failing" in words


def test_the_list_ranks_the_students_in_scope_with_reasons_and_outreach(client, listed):
    client.force_login(listed.liaison)
    concern_services.log_contact(
        household=listed.caseload_family,
        by=listed.liaison,
        kind=ContactKind.CALL,
        purpose="Attendance",
        result=ContactResult.NO_ANSWER,
    )
    page = client.get(reverse("attendance:at_risk")).content.decode()
    caseload, site = page.index("CaseloadChild"), page.index("SitefamilyChild")
    assert caseload < site  # the higher score first
    assert "Chronically absent: 14 of 60 days missed (23%)" in page
    assert "1 attempt: phone call" in page and "(no answer)" in page
    assert "another way than phone call" in page
    assert "No attempt yet" in page  # the site family's row
    assert "TaughtChild" not in page  # Tier 1 is not on the list unless asked for
    assert "ForeignChild" not in page
    assert "Call the family unreachable" not in page


def test_a_leader_filters_the_list_by_tier_and_a_bad_filter_is_named(client, listed):
    client.force_login(listed.leader)
    page = client.get(reverse("attendance:at_risk"), {"tier": "3"}).content.decode()
    assert "CaseloadChild" in page and "SitefamilyChild" not in page
    response = client.get(reverse("attendance:at_risk"), {"tier": "9"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_teachers_have_no_at_risk_list(client, listed):
    client.force_login(listed.teacher)
    assert client.get(reverse("attendance:at_risk")).status_code == 404


def test_the_export_and_the_call_list_carry_the_reasons_and_skip_restricted_guardians(
    client, listed
):
    guardian = listed.site_family.guardians.get()
    guardian.contact_restricted = True
    guardian.contact_restriction_reason = "Court order"
    guardian.save()
    client.force_login(listed.admin)
    export = client.get(reverse("attendance:at_risk"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Student", "Household", "School", "Tier", "Score"]
    assert [r[0] for r in rows[1:]] == ["CaseloadChild Caseload", "SitefamilyChild Sitefamily"]
    assert rows[1][3] == "Tier 3: intensive support"
    calls = client.get(reverse("attendance:at_risk"), {"format": "calls"})
    rows = list(csv.reader(io.StringIO(calls.content.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["CaseloadParent Caseload"]
    assert "Chronically absent" in rows[1][6]


def test_start_outreach_hands_the_families_to_the_announcement_builder(client, listed):
    from liaison.attendance.atrisk_views import outreach_audience

    client.force_login(listed.admin)
    response = client.post(reverse("attendance:at_risk_outreach"), {"tier": "3"})
    assert response.status_code == 302
    assert "source=attendance_at_risk" in response["Location"]
    guardians = outreach_audience(district=listed.district, user=listed.admin, param=":3")
    assert {g.household_id for g in guardians} == {listed.caseload_family.pk}
    assert not outreach_audience(district=listed.district, user=listed.teacher, param=":3")


def test_a_liaison_who_may_not_announce_is_not_offered_start_outreach(client, listed):
    """The announcement builder is for admins and site leaders: the button led a liaison to a
    page they may not open."""
    client.force_login(listed.liaison)
    page = client.get(reverse("attendance:at_risk")).content.decode()
    assert "Call list" in page and "Start outreach" not in page
    response = client.post(reverse("attendance:at_risk_outreach"), {"tier": "3"})
    assert response.status_code == 404
    client.force_login(listed.leader)
    assert "Start outreach" in client.get(reverse("attendance:at_risk")).content.decode()


def test_tier_3_gives_the_liaison_one_task_and_a_row_on_today(client, listed):
    ids = list(StudentAttendance.objects.values_list("student_id", flat=True))
    today = timezone.localdate()
    assert (
        services.open_intensive_tasks(district=listed.district, student_ids=ids, as_of=today) == 1
    )
    assert (
        services.open_intensive_tasks(district=listed.district, student_ids=ids, as_of=today) == 0
    )
    task = Task.objects.get()
    assert task.owner == listed.liaison and task.household == listed.caseload_family
    assert "Tier 3 attendance" in task.title

    client.force_login(listed.liaison)
    page = client.get("/").content.decode()
    assert "Tier 3 attendance: CaseloadChild Caseload" in page
    assert "Chronically absent: 14 of 60 days missed (23%)" in page
    assert "No attempt yet" in page
    # One row for the student, carrying the task's actions: not the task again on its own.
    assert page.count("Tier 3 attendance") == 1
    assert f'id="task-{task.pk}"' in page and "Mark done" in page

    concern_services.log_contact(
        household=listed.caseload_family,
        by=listed.liaison,
        kind=ContactKind.HOME_VISIT,
        purpose="Attendance",
        result=ContactResult.NOT_HOME,
    )
    page = client.get("/").content.decode()
    # Tried today: the next attempt is due another day, the row stays until the task is done.
    assert page.count("Tier 3 attendance: CaseloadChild Caseload") == 1
    client.post(
        reverse("worklist:complete", args=[task.pk]), {"outcome": "Home visit, nobody home"}
    )
    page = client.get("/").content.decode()
    assert "Tier 3 attendance: CaseloadChild Caseload" not in page

    # Another day with no attempt: the row is back, without the task's actions.
    Contact.objects.update(at=timezone.now() - dt.timedelta(days=1))
    page = client.get("/").content.decode()
    assert page.count("Tier 3 attendance: CaseloadChild Caseload") == 1
    assert "Mark done" not in page


def test_a_tier_3_task_opened_after_the_day_computed_is_due_today_not_overdue(world):
    row = _measures(world.caseload_family, absent=14, tier=Tier.INTENSIVE, in_a_row=3)
    today = timezone.localdate()
    friday = today - dt.timedelta(days=2)
    services.open_intensive_tasks(
        district=world.district, student_ids=[row.student_id], as_of=friday
    )
    assert Task.objects.get().due_on == today


def test_tier_3_last_school_year_opens_no_task_this_year(world):
    row = _measures(world.caseload_family, absent=30, tier=Tier.INTENSIVE, in_a_row=3)
    row.school_year -= 1
    row.save()
    today = timezone.localdate()
    made = services.open_intensive_tasks(
        district=world.district, student_ids=[row.student_id], as_of=today
    )
    assert made == 0 and not Task.objects.exists()


def test_the_district_admin_sets_the_numbers_and_points_and_the_list_is_scored_again(
    client, listed, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    client.force_login(listed.admin)
    page = client.get(reverse("attendance:at_risk")).content.decode()
    assert "The district's outreach rules" in page
    data = {"district": listed.district.pk, "unreachable_min_attempts": 4}
    data |= {"unreachable_min_modes": 2}
    data |= {f"weight_{code}": points for code, points in atrisk.DEFAULT_WEIGHTS.items()}
    data["weight_in_a_row"] = 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("attendance:at_risk_rules"), data)
    assert response.status_code == 302
    rules = AttendanceRules.objects.get(district=listed.district)
    assert rules.unreachable_min_attempts == 4 and rules.weights["in_a_row"] == 0
    caseload = AtRiskScore.objects.get(student__household=listed.caseload_family)
    assert caseload.score == 30 + 20 and "in_a_row" not in [r["code"] for r in caseload.reasons]


def test_rules_that_cannot_work_are_refused_with_the_reason(client, listed):
    client.force_login(listed.admin)
    data = {"district": listed.district.pk, "unreachable_min_attempts": 2}
    data |= {"unreachable_min_modes": 3}
    data |= {f"weight_{code}": points for code, points in atrisk.DEFAULT_WEIGHTS.items()}
    data["weight_chronic"] = "lots"
    response = client.post(reverse("attendance:at_risk_rules"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ask for no more ways than attempts" in page
    assert "Enter a whole number." in page
    assert not AttendanceRules.objects.filter(district=listed.district).exists()


def test_only_the_districts_admins_change_its_rules(client, listed):
    client.force_login(listed.leader)
    assert "outreach rules" not in client.get(reverse("attendance:at_risk")).content.decode()
    response = client.post(reverse("attendance:at_risk_rules"), {"district": listed.district.pk})
    assert response.status_code == 404
    client.force_login(listed.admin)
    response = client.post(
        reverse("attendance:at_risk_rules"), {"district": listed.other_district.pk}
    )
    assert response.status_code == 404
    assert client.post(reverse("attendance:at_risk_rules"), {"district": "x"}).status_code == 404
