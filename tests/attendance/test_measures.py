"""Attendance measures and tiers on a hand-computed school term (the issue's acceptance data set).

The calendar: every weekday from Tue 1 Sep to Fri 11 Dec 2026, closed on Labor Day (7 Sep) and
Thanksgiving (26–27 Nov): 74 weekdays − 3 closures = 71 school days by 11 Dec. The early-warning
months end on 30 Sep, 31 Oct and 30 Nov, so on 11 Dec the pace no longer applies.
Trend windows on 11 Dec: last four weeks = 14 Nov–11 Dec (18 school days), the four before =
17 Oct–13 Nov (20 school days).
"""

import datetime as dt
from decimal import Decimal

import pytest

from liaison.attendance.choices import Category, Tier
from liaison.attendance.models import AttendanceEvent, SchoolDay, StudentAttendance, TierChange
from liaison.attendance.services import recompute
from liaison.attendance.tiers import reasons_of
from tests import factories as f

D = dt.date
AS_OF = D(2026, 12, 11)
CLOSURES = {D(2026, 9, 7), D(2026, 11, 26), D(2026, 11, 27)}


FIRST_DAY, LAST_DAY = D(2026, 9, 1), D(2026, 12, 18)


def school_days(site, start=FIRST_DAY, end=LAST_DAY):
    day = start
    rows = []
    while day <= end:
        if day.weekday() < 5:
            rows.append(
                SchoolDay(
                    site=site,
                    date=day,
                    school_year=2026,
                    is_instructional=day not in CLOSURES,
                    note="Closed" if day in CLOSURES else "",
                )
            )
        day += dt.timedelta(days=1)
    SchoolDay.objects.bulk_create(rows)


def event(student, site, day, category):
    return AttendanceEvent.objects.create(
        district=student.district, site=site, student=student, date=day, category=category
    )


@pytest.fixture
def term(db):
    district = f.DistrictFactory()
    site = f.SiteFactory(district=district)
    school_days(site)

    def student(starts_on, name):
        s = f.StudentFactory(household__district=district, given_name=name)
        f.EnrolmentFactory(student=s, site=site, starts_on=starts_on)
        return s

    ana = student(D(2026, 8, 20), "Ana")  # all term; partial days; a late correction
    ben = student(D(2026, 11, 30), "Ben")  # enrolled mid-year, ten days by 11 Dec
    cleo = student(D(2026, 8, 20), "Cleo")  # never absent
    dev = student(D(2026, 8, 20), "Dev")  # chronically absent last year
    U, E = Category.UNEXCUSED_ABSENCE, Category.EXCUSED_ABSENCE
    for day, cat in [
        (D(2026, 9, 2), E),
        (D(2026, 9, 10), Category.PARTIAL),  # half a day
        (D(2026, 9, 11), Category.EARLY_DEPARTURE),  # half a day
        (D(2026, 10, 5), U),
        (D(2026, 10, 6), U),
        (D(2026, 11, 16), E),
        (D(2026, 11, 17), E),
        (D(2026, 11, 18), E),
        (D(2026, 11, 26), U),  # on a closure: does not count
        (D(2026, 12, 1), Category.TARDY),  # late, not absent (corrected below)
    ]:
        event(ana, site, day, cat)
    for day in (D(2026, 11, 20), D(2026, 12, 9), D(2026, 12, 10), D(2026, 12, 11)):
        event(ben, site, day, U)  # 20 Nov is before his enrolment: does not count
    StudentAttendance.objects.create(
        district=district, student=dev, school_year=2025, as_of=D(2026, 6, 15), chronic=True
    )
    return district, site, ana, ben, cleo, dev


def row(student):
    return StudentAttendance.objects.get(student=student, school_year=2026)


def test_hand_computed_rates_tiers_and_chronic_flags(term):
    district, _site, ana, ben, cleo, dev = term
    recompute(district=district, student_ids=None, as_of=AS_OF)

    a = row(ana)
    # 1 + ½ + ½ + 2 + 3 = 7 days of 71: 9.9%, just under chronic absence.
    assert (a.days_enrolled, a.days_absent, a.days_unexcused, a.late_arrivals) == (
        71,
        Decimal("7.00"),
        Decimal("2.00"),
        1,
    )
    assert a.rate == Decimal("0.9014")  # 64 / 71
    assert not a.chronic and a.tier == Tier.UNIVERSAL and a.tier_reasons == []
    assert a.rate_last_4_weeks == Decimal("0.8333")  # 15 / 18
    assert a.rate_previous_4_weeks == Decimal("1.0000")

    b = row(ben)
    assert (b.days_enrolled, b.days_absent, b.rate, b.chronic) == (
        10,
        Decimal("3.00"),
        Decimal("0.7000"),
        True,
    )
    assert b.consecutive_unexcused == 3 and b.last_absent_on == AS_OF
    assert b.tier == Tier.INTENSIVE
    assert reasons_of(b) == [
        {"code": "severe", "absent": "3.00", "enrolled": 10},
        {"code": "consecutive_unexcused", "days": 3},
    ]

    c = row(cleo)
    assert (c.days_enrolled, c.days_absent, c.rate, c.tier) == (
        71,
        Decimal("0.00"),
        Decimal("1.0000"),
        Tier.UNIVERSAL,
    )
    d = row(dev)
    assert d.tier == Tier.EARLY and d.chronic_last_year and not d.chronic
    assert d.tier_reasons == [{"code": "chronic_last_year"}]


def test_a_late_correction_moves_the_student_into_tier_2_and_records_why(term):
    district, site, ana, *_ = term
    recompute(district=district, student_ids=None, as_of=AS_OF)
    # The school corrects 1 December: Ana was absent without excuse, not late.
    AttendanceEvent.objects.filter(student=ana, date=D(2026, 12, 1)).delete()
    event(ana, site, D(2026, 12, 1), Category.UNEXCUSED_ABSENCE)

    result = recompute(district=district, student_ids=[ana.pk], as_of=AS_OF)

    a = row(ana)
    assert (a.days_absent, a.days_unexcused, a.late_arrivals) == (
        Decimal("8.00"),
        Decimal("3.00"),
        0,
    )
    assert a.rate == Decimal("0.8873")  # 63 / 71: 11.3% missed
    assert a.rate_last_4_weeks == Decimal("0.7778")  # 14 / 18
    assert a.chronic and a.tier == Tier.EARLY and a.tier_since == AS_OF
    change = TierChange.objects.get(student=ana)
    assert (change.from_tier, change.to_tier, change.on) == (Tier.UNIVERSAL, Tier.EARLY, AS_OF)
    assert change.reasons == [{"code": "chronic", "absent": "8.00", "enrolled": 71}]
    assert result.recomputed == 1 and result.tier_changes == 1


def test_day_by_day_updates_give_the_same_measures_as_computing_from_scratch(term):
    district, *_ = term
    days = SchoolDay.objects.filter(is_instructional=True, date__lte=AS_OF).order_by("date")
    for day in days.values_list("date", flat=True).distinct():
        changed = AttendanceEvent.objects.filter(date=day).values_list("student_id", flat=True)
        recompute(district=district, student_ids=list(changed), as_of=day)
    daily = {
        r.student_id: (r.days_enrolled, r.days_absent, r.rate, r.rate_last_4_weeks, r.tier)
        for r in StudentAttendance.objects.filter(school_year=2026)
    }
    StudentAttendance.objects.filter(school_year=2026).delete()
    recompute(district=district, student_ids=None, as_of=AS_OF)
    fresh = {
        r.student_id: (r.days_enrolled, r.days_absent, r.rate, r.rate_last_4_weeks, r.tier)
        for r in StudentAttendance.objects.filter(school_year=2026)
    }
    assert daily == fresh


def test_students_leave_a_tier_when_they_come_back(term):
    district, _site, _ana, ben, *_ = term
    recompute(district=district, student_ids=None, as_of=AS_OF)
    assert row(ben).tier == Tier.INTENSIVE
    # Ben comes every day of the next week: 3 of 15 days is exactly 20%, still severe; the run
    # of unexcused days is over.
    recompute(district=district, student_ids=[], as_of=D(2026, 12, 18))
    b = row(ben)
    assert b.days_enrolled == 15 and b.consecutive_unexcused == 0
    assert reasons_of(b) == [{"code": "severe", "absent": "3.00", "enrolled": 15}]
    # The row keeps the reason without the days enrolled (its own column holds them): a week of
    # days present moved the numbers, not the reason.
    assert b.tier_reasons == [{"code": "severe", "absent": "3.00"}]


def test_early_warning_pace_in_the_first_month(term):
    district, _site, ana, _ben, _cleo, _dev = term
    # On 30 Sep Ana has missed 2 days (a whole day and two halves): on the pace of 2 in month 1.
    recompute(district=district, student_ids=None, as_of=D(2026, 9, 30))
    a = row(ana)
    assert a.days_enrolled == 21 and a.days_absent == Decimal("2.00")
    assert a.tier == Tier.EARLY
    assert a.tier_reasons == [{"code": "early_pace", "month": 1, "absent": "2.00", "pace": 2}]


def test_an_imported_day_brings_measures_and_tiers_up_to_date(term, time_machine):
    from liaison.attendance.signals import day_imported

    time_machine.move_to(dt.datetime(2026, 12, 14, 20, tzinfo=dt.UTC))
    district, site, ana, ben, cleo, _dev = term
    recompute(district=district, student_ids=None, as_of=AS_OF)
    # The next day's file: Cleo absent. Then a correction to an earlier day removes Ben's absence.
    event(cleo, site, D(2026, 12, 14), Category.EXCUSED_ABSENCE)
    day_imported.send(None, district=district, site_ids=[site.pk], days=[D(2026, 12, 14)])
    assert row(cleo).days_absent == Decimal("1.00") and row(cleo).as_of == D(2026, 12, 14)
    assert row(ana).days_enrolled == 72  # carried forward: a day present
    AttendanceEvent.objects.filter(student=ben, date=D(2026, 12, 11)).delete()
    day_imported.send(None, district=district, site_ids=[site.pk], days=[D(2026, 12, 11)])
    b = row(ben)
    assert b.as_of == D(2026, 12, 14)  # a correction does not move the measures back in time
    assert (b.days_enrolled, b.days_absent, b.consecutive_unexcused) == (11, Decimal("2.00"), 0)


def test_a_calendar_of_the_whole_year_brings_the_measures_only_up_to_today(term, time_machine):
    """A calendar lists the days to come: counting them would make every student present on
    them, the rates too high and the chronically absent too few."""
    from liaison.attendance.signals import day_imported

    time_machine.move_to(dt.datetime(2026, 12, 11, 20, tzinfo=dt.UTC))
    district, site, ana, ben, _cleo, _dev = term
    days = SchoolDay.objects.filter(site=site).values_list("date", flat=True)
    assert max(days) == LAST_DAY  # the 18th is still to come
    day_imported.send(None, district=district, site_ids=[site.pk], days=list(days))
    a, b = row(ana), row(ben)
    assert a.as_of == b.as_of == AS_OF
    assert (b.days_enrolled, b.days_absent, b.consecutive_unexcused) == (10, Decimal(3), 3)
    assert b.tier == Tier.INTENSIVE


def test_a_file_reaching_into_last_school_year_brings_that_year_to_its_end_first(
    term, time_machine
):
    """Last year's chronic absence is read from last year's measures: a first import holding both
    years computes last year to its last school day, then this year places the student."""
    from liaison.attendance.signals import day_imported

    time_machine.move_to(dt.datetime(2026, 9, 4, 20, tzinfo=dt.UTC))
    district, site, ana, _ben, cleo, _dev = term
    june = [D(2026, 6, d) for d in range(1, 20) if D(2026, 6, d).weekday() < 5]
    SchoolDay.objects.bulk_create(
        SchoolDay(site=site, date=day, school_year=2025, is_instructional=True) for day in june
    )
    cleo.enrolments.update(starts_on=D(2026, 6, 1))
    for day in june[:3]:
        event(cleo, site, day, Category.EXCUSED_ABSENCE)
    september = [D(2026, 9, 1), D(2026, 9, 2), D(2026, 9, 3), D(2026, 9, 4)]
    day_imported.send(None, district=district, site_ids=[site.pk], days=june[:3] + september)
    last_year = StudentAttendance.objects.get(student=cleo, school_year=2025)
    assert (last_year.as_of, last_year.days_enrolled, last_year.chronic) == (
        D(2026, 6, 19),
        len(june),
        True,
    )
    this_year = row(cleo)
    assert this_year.as_of == D(2026, 9, 4) and this_year.days_absent == 0
    assert this_year.tier == Tier.EARLY
    assert this_year.tier_reasons == [{"code": "chronic_last_year"}]
    assert row(ana).as_of == D(2026, 9, 4)


def _measures():
    return {
        r.student_id: (
            r.as_of,
            r.days_enrolled,
            r.days_absent,
            r.days_unexcused,
            r.rate,
            r.rate_last_4_weeks,
            r.consecutive_absences,
            r.consecutive_unexcused,
            r.last_absent_on,
            r.tier,
            r.tier_reasons,
        )
        for r in StudentAttendance.objects.filter(school_year=2026)
    }


def test_a_day_sent_again_recomputes_only_the_students_the_file_changed(term, time_machine):
    """The school's system sends the last computed day again: Ben's absence of that day was a
    mistake, Cleo was absent after all. The import names both (the one whose event it wrote and
    the one whose event it took away); they are computed again, and every other student of the
    school, whose day did not change, is left as it was, and all rows are what computing from
    scratch gives."""
    from liaison.attendance.signals import day_imported

    time_machine.move_to(dt.datetime(2026, 12, 14, 20, tzinfo=dt.UTC))
    district, site, ana, ben, cleo, _dev = term
    recompute(district=district, student_ids=None, as_of=AS_OF)
    ana_written = row(ana).computed_at
    AttendanceEvent.objects.filter(student=ben, date=AS_OF).delete()
    event(cleo, site, AS_OF, Category.EXCUSED_ABSENCE)
    day_imported.send(
        None, district=district, site_ids=[site.pk], days=[AS_OF], student_ids={ben.pk, cleo.pk}
    )
    assert row(cleo).days_absent == Decimal("1.00") and row(cleo).as_of == AS_OF
    assert row(ben).days_absent == Decimal("2.00")
    assert row(ana).computed_at == ana_written  # nothing of hers changed: not written again
    sent_again = _measures()
    StudentAttendance.objects.filter(school_year=2026).delete()
    recompute(district=district, student_ids=None, as_of=AS_OF)
    assert sent_again == _measures()


def test_a_rows_reasons_with_the_numbers_of_the_day_are_its_placements():
    """The row keeps the reasons without the numbers that move every school day (days enrolled,
    the four-week rates); reasons_of puts them back from the row's columns, losing nothing."""
    from liaison.attendance.measures import Measures
    from liaison.attendance.models import AttendanceRules
    from liaison.attendance.tiers import place

    as_of = D(2026, 12, 11)
    m = Measures(
        student_id=1,
        school_year=2026,
        as_of=as_of,
        days_enrolled=60,
        days_absent=Decimal("9.50"),
        rate_last_4_weeks=Decimal("0.8000"),
        rate_previous_4_weeks=Decimal("0.8500"),
    )
    placement = place(
        m,
        AttendanceRules(),
        chronic_last_year=False,
        previous_tier=Tier.EARLY,
        support_since=as_of - dt.timedelta(weeks=8),
    )
    assert [r["code"] for r in placement.reasons] == ["chronic", "no_improvement"]
    row = StudentAttendance(
        tier_reasons=placement.lasting_reasons,
        days_enrolled=60,
        days_absent=Decimal("9.50"),
        rate_last_4_weeks=Decimal("0.8000"),
        rate_previous_4_weeks=Decimal("0.8500"),
    )
    assert row.tier_reasons == [
        {"code": "chronic", "absent": "9.50"},
        {"code": "no_improvement", "weeks": AttendanceRules().no_improvement_weeks},
    ]
    assert reasons_of(row) == placement.reasons
