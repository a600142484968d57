"""Attendance in the insights: rollups by site, grade, language, programme and class, and the
before/after figures of a family's first outreach (small groups suppressed when shared).

Twenty school days, 1–28 September 2026. Rosa (site A, grade 3, Spanish, English learner) misses
2 days: 10%, chronically absent; Minh (site A, grade 4, Vietnamese) misses none; Sofia (site B,
grade 3, Spanish) misses 5: 25%, Tier 3.
"""

import datetime as dt

import pytest
from django.utils import timezone

from liaison.attendance.choices import Category
from liaison.attendance.models import AttendanceEvent, SchoolDay
from liaison.attendance.services import recompute
from liaison.concerns.models import Contact
from liaison.insights import attendance, services
from liaison.insights.choices import Dimension, Scope
from liaison.insights.models import Rollup
from liaison.people.models import ClassSection, StudentProgramme
from tests import factories as f

D = dt.date
DAYS = [D(2026, 9, 1) + dt.timedelta(days=i) for i in range(28)]
DAYS = [d for d in DAYS if d.weekday() < 5]
AS_OF = D(2026, 9, 28)


@pytest.fixture
def term(db):
    district = f.DistrictFactory()
    site_a, site_b = f.SiteFactory(district=district), f.SiteFactory(district=district)
    SchoolDay.objects.bulk_create(
        [SchoolDay(site=s, date=d, school_year=2026) for s in (site_a, site_b) for d in DAYS]
    )

    def student(site, grade, language, name, absent):
        household = f.HouseholdFactory(district=district, home_languages=[language])
        s = f.StudentFactory(household=household, given_name=name, grade=grade)
        f.EnrolmentFactory(student=s, site=site, starts_on=D(2026, 8, 25))
        for day in absent:
            AttendanceEvent.objects.create(
                district=district,
                site=site,
                student=s,
                date=day,
                category=Category.UNEXCUSED_ABSENCE,
            )
        return s

    rosa = student(site_a, "03", "es", "Rosa", [D(2026, 9, 8), D(2026, 9, 9)])
    minh = student(site_a, "04", "vi", "Minh", [])
    sofia = student(
        site_b,
        "03",
        "es",
        "Sofia",
        [D(2026, 9, 2), D(2026, 9, 3), D(2026, 9, 4), D(2026, 9, 21), D(2026, 9, 22)],
    )
    StudentProgramme.objects.create(student=rosa, programme="el")
    section = ClassSection.objects.create(site=site_a, title="Room 12")
    section.students.add(rosa, minh)
    recompute(district=district, student_ids=None, as_of=AS_OF)
    return district, site_a, site_b, rosa, minh, sofia, section


def figure(district, scope, scope_id, metric, dimension=Dimension.ALL, value=""):
    return Rollup.objects.get(
        district_id=district.pk,
        scope=scope,
        scope_id=scope_id,
        metric=metric,
        dimension=dimension,
        value=value,
    ).number


def test_rollups_give_rates_and_chronic_absence_by_site_grade_language_and_programme(term):
    district, site_a, site_b, *_ = term
    services.refresh_all()
    d = district.pk
    assert figure(district, Scope.DISTRICT, d, "attendance_students") == 3
    assert figure(district, Scope.DISTRICT, d, "attendance_rate") == pytest.approx(53 / 60)
    assert figure(district, Scope.DISTRICT, d, "chronic_absent") == 2
    assert figure(district, Scope.DISTRICT, d, "tier_3") == 1
    assert figure(district, Scope.SITE, site_a.pk, "attendance_rate") == pytest.approx(38 / 40)
    assert figure(district, Scope.SITE, site_a.pk, "chronic_absent") == 1
    assert figure(
        district, Scope.DISTRICT, d, "attendance_rate", Dimension.SITE, str(site_b.pk)
    ) == pytest.approx(15 / 20)
    es = figure(district, Scope.DISTRICT, d, "attendance_rate", Dimension.LANGUAGE, "es")
    assert es == pytest.approx(33 / 40)
    assert figure(district, Scope.DISTRICT, d, "chronic_share", Dimension.GRADE, "03") == 1.0
    assert figure(
        district, Scope.DISTRICT, d, "attendance_rate", Dimension.PROGRAMME, "el"
    ) == pytest.approx(18 / 20)


def test_figures_by_class_and_household(term):
    district, _site_a, _site_b, _rosa, _minh, sofia, section = term
    by_class = attendance.figures_by(district.pk, attendance.CLASS)
    assert by_class[str(section.pk)]["attendance_students"] == 2
    assert by_class[str(section.pk)]["attendance_rate"] == pytest.approx(38 / 40)
    by_household = attendance.figures_by(district.pk, attendance.HOUSEHOLD)
    assert by_household[str(sofia.household_id)]["chronic_absent"] == 1


def test_before_and_after_the_first_outreach_with_small_groups_suppressed(term):
    district, _site_a, site_b, _rosa, _minh, sofia, _section = term
    at = timezone.make_aware(dt.datetime(2026, 9, 15, 10, 0))
    Contact.objects.create(household=sofia.household, kind="call", at=at, purpose="Attendance")
    Contact.objects.create(
        household=sofia.household, kind="text", at=at + dt.timedelta(days=3), purpose="Again"
    )
    services.refresh_all()  # the households' languages, as every figure counts them
    found = attendance.before_after(district, as_of=AS_OF)
    everyone = found[("all", "")]
    # Four weeks before 15 Sep: 10 school days, 3 missed; from 15 Sep to 28 Sep: 10, 2 missed.
    assert (everyone.students, everyone.rate_before, everyone.rate_after) == (1, 0.7, 0.8)
    assert everyone.were_chronic == 1 and everyone.left_chronic == 0  # still at 25%
    assert ("language", "es") in found and ("site", str(site_b.pk)) in found
    # Her tier on the day of the call: the measures were first computed on 28 Sep, so on 15 Sep
    # no tier change had been recorded yet and she counts under Tier 1.
    assert found[("tier", "1")].students == 1
    shared = everyone.shared()
    assert shared["students"] == "<10" and shared["rate_before"] is None
    # None of the handful left chronic absence: not said as "0" beside "<10".
    assert shared["were_chronic"] == shared["left_chronic"] == "<10"


def test_the_before_after_page_is_for_district_admins_and_hides_small_groups(client, term):
    _district, site_a, _site_b, _rosa, _minh, sofia, _section = term
    admin = f.UserFactory()
    f.MembershipFactory(user=admin, site=site_a, role="district_admin")
    Contact.objects.create(
        household=sofia.household,
        kind="call",
        at=timezone.make_aware(dt.datetime(2026, 9, 15, 10, 0)),
        purpose="Attendance",
    )
    client.force_login(admin)
    page = client.get("/insights/attendance-outcomes/").content.decode()
    assert "not a causal estimate" in page
    assert "All students reached" in page and "Tier 1: universal" in page
    assert "&lt;10" in page and "70%" not in page  # one student: no rates shown
    export = client.get("/insights/attendance-outcomes/?format=csv").content.decode()
    assert "All students reached,<10," in export
    liaison = f.UserFactory()
    f.MembershipFactory(user=liaison, site=site_a, role="liaison")
    client.force_login(liaison)
    assert client.get("/insights/attendance-outcomes/").status_code == 404
