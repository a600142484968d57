"""The bulk measures (measures.Measurer, what a district's recompute uses) must be exactly those of
measure(), the definition, field by field and digit by digit (2.50 is not 2.5), for every student
of a generated term: closures, mid-year enrolments, a change of school, two schools at once,
enrolments ended, events on closures and outside enrolments, partial days alone and with a whole
day, on days inside each early-warning month and after them, under several partial-day rules."""

import datetime as dt
import random
from dataclasses import astuple
from decimal import Decimal

import pytest

from liaison.attendance import measures as M
from liaison.attendance.choices import Category
from liaison.attendance.models import AttendanceEvent, AttendanceRules, SchoolDay
from liaison.people.models import Enrolment
from tests import factories as f
from tests.attendance.days import weekdays

D = dt.date
CLOSURES = {D(2026, 9, 7), D(2026, 11, 26), D(2026, 11, 27)}
CATEGORIES = [*Category.values]
AS_OF = [D(2026, 9, 1), D(2026, 9, 18), D(2026, 10, 21), D(2026, 11, 30), D(2026, 12, 18)]


@pytest.fixture
def term(db):
    rng = random.Random(7)
    district = f.DistrictFactory()
    alder, birch = f.SiteFactory(district=district), f.SiteFactory(district=district)
    elsewhere = f.DistrictFactory()
    SchoolDay.objects.bulk_create(
        SchoolDay(site=site, date=day, school_year=2026, is_instructional=day not in CLOSURES)
        for site in (alder, birch)
        for day in weekdays(D(2026, 9, 1), D(2026, 12, 18))
    )
    events = []
    for i in range(48):
        s = f.StudentFactory(household__district=district)
        site = alder if i % 2 else birch
        if i % 8 == 1:  # enrolled mid-year
            Enrolment.objects.create(student=s, site=site, starts_on=D(2026, 10, 19))
        elif i % 8 == 2:  # changes school
            Enrolment.objects.create(
                student=s, site=alder, starts_on=D(2026, 8, 20), ends_on=D(2026, 10, 9)
            )
            Enrolment.objects.create(student=s, site=birch, starts_on=D(2026, 10, 13))
        elif i % 8 == 3:  # leaves
            Enrolment.objects.create(
                student=s, site=site, starts_on=D(2026, 8, 20), ends_on=D(2026, 11, 6)
            )
        elif i % 8 == 4:  # at both schools for a while: a day counts once
            Enrolment.objects.create(student=s, site=alder, starts_on=D(2026, 8, 20))
            Enrolment.objects.create(
                student=s, site=birch, starts_on=D(2026, 10, 1), ends_on=D(2026, 11, 20)
            )
        else:
            Enrolment.objects.create(student=s, site=site, starts_on=D(2026, 8, 20))
        often = 0.35 if i % 5 == 0 else 0.06
        for day in weekdays(D(2026, 9, 1), D(2026, 12, 18)):  # closures and all
            if rng.random() < often:
                for category in rng.sample(CATEGORIES, rng.choice([1, 1, 2, 3])):
                    events.append(
                        AttendanceEvent(
                            district=district,
                            site=rng.choice([site, site, site, birch, alder]),
                            student=s,
                            date=day,
                            category=category,
                        )
                    )
        if i % 7 == 0:  # a row filed under another district: never counted here
            events.append(
                AttendanceEvent(
                    district=elsewhere,
                    site=site,
                    student=s,
                    date=D(2026, 9, 12),  # a Saturday: no other event that day
                    category=Category.UNEXCUSED_ABSENCE,
                )
            )
    AttendanceEvent.objects.bulk_create(events)
    return district


@pytest.mark.parametrize("partial", [None, "0.25", "0.00", "1.00"])
def test_the_bulk_measures_are_measure_s_to_the_digit(term, partial):
    district = term
    rules = AttendanceRules(district=district)  # Attendance Works' defaults, unsaved
    if partial is not None:
        rules.partial_day_absent = Decimal(partial)
        rules.save()
    compared = streaks = early = 0
    for as_of in AS_OF:
        calendar = M.load_calendar(district, as_of, rules)
        spells = M.load_spells(district, calendar, None)
        events = M.load_events(district, calendar, sorted(spells))
        measurer = M.Measurer(calendar, rules)
        for sid in spells:
            mine = events.get(sid, [])
            expected = M.measure(sid, spells[sid], mine, calendar, rules)
            assert repr(astuple(measurer.measure(sid, spells[sid], mine))) == repr(
                astuple(expected)
            ), (as_of, sid)
            compared += 1
            streaks += expected.consecutive_absences > 0
            early += len(expected.early_absences) == 3 and expected.early_absences[2] != "0.00"
    # The six enrolled on 19 Oct have no spell on the first two days.
    assert compared == 48 * len(AS_OF) - 6 * 2
    assert streaks and early  # the runs and the third month's pace were exercised


def test_a_measure_finer_than_a_hundredth_of_a_day_is_measure_s_own(term):
    district = term
    rules = AttendanceRules(district=district, partial_day_absent=Decimal("0.333"))
    calendar = M.load_calendar(district, AS_OF[-1], rules)
    spells = M.load_spells(district, calendar, None)
    events = M.load_events(district, calendar, None)
    measurer = M.Measurer(calendar, rules)
    found = {
        str(measurer.measure(sid, spells[sid], events.get(sid, [])).days_absent) for sid in spells
    }
    for sid in spells:
        expected = M.measure(sid, spells[sid], events.get(sid, []), calendar, rules)
        assert repr(astuple(measurer.measure(sid, spells[sid], events.get(sid, [])))) == repr(
            astuple(expected)
        )
    assert any(not value.endswith(("0", "5")) for value in found)  # thirds of a day, rounded


def test_events_read_by_student_are_the_district_s_events_of_those_students(term):
    district = term
    rules = AttendanceRules(district=district)
    calendar = M.load_calendar(district, AS_OF[-1], rules)
    ids = sorted(M.load_spells(district, calendar, None))
    every = M.load_events(district, calendar, None)
    # Students in turn (read as one range of ids) and every third one (read by their ids).
    for some in (ids, ids[::3]):
        by_student = M.load_events(district, calendar, some)
        assert {sid: sorted(rows) for sid, rows in by_student.items()} == {
            sid: sorted(rows) for sid, rows in every.items() if sid in some
        }
    # The rows filed under another district are left out of both.
    elsewhere = AttendanceEvent.objects.exclude(district=district).count()
    assert elsewhere and sum(map(len, every.values())) == (
        AttendanceEvent.objects.filter(district=district).count()
    )
