"""The daily recompute carries the students without a new event forward in one UPDATE and places
again only those whose tier may have moved: every row and tier change it writes must be what the
full recompute (every student from all their events, every student placed) writes from the same
state. Checked day by day over a generated term: closures (one added late), mid-year enrolments,
a change of school, enrolments ended, a missed file, corrections of earlier days, partial days
counting a quarter, and every tier rule firing at some point. The students with events on the day
(absences whole and partial, excused and not, late arrivals, mixed) are carried with them, runs
of absences go on across closures and school months' ends."""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from liaison.attendance.choices import Category
from liaison.attendance.models import (
    AttendanceEvent,
    AttendanceRules,
    SchoolDay,
    StudentAttendance,
    TierChange,
)
from liaison.attendance.services import recompute
from liaison.people.models import Enrolment
from tests import factories as f
from tests.attendance.days import weekdays

D = dt.date
CLOSURES = {D(2026, 9, 7), D(2026, 11, 26), D(2026, 11, 27)}
LATE_CLOSURE = D(2026, 10, 2)  # found to have been a closure at the first school weeks later
MISSED_FILE = D(2026, 10, 14)  # no file that day: the next one brings two days
CATEGORIES = [
    Category.UNEXCUSED_ABSENCE,
    Category.EXCUSED_ABSENCE,
    Category.PARTIAL,
    Category.EARLY_DEPARTURE,
    Category.TARDY,
]
FIELDS = [f.attname for f in StudentAttendance._meta.concrete_fields if f.name not in ("id",)]
FIELDS.remove("computed_at")


def state(district):
    rows = sorted(
        tuple(str(v) for v in row.values())
        for row in StudentAttendance.objects.filter(district=district).values(*FIELDS)
    )
    changes = sorted(
        (c.student_id, str(c.from_tier), c.to_tier, str(c.reasons), c.on)
        for c in TierChange.objects.filter(district=district)
    )
    return rows, changes


def test_the_daily_recompute_writes_what_the_full_recompute_writes(db):
    rng = random.Random(21)
    district = f.DistrictFactory()
    AttendanceRules.objects.create(district=district, partial_day_absent=Decimal("0.25"))
    alder, birch = f.SiteFactory(district=district), f.SiteFactory(district=district)
    SchoolDay.objects.bulk_create(
        SchoolDay(site=site, date=day, school_year=2026, is_instructional=day not in CLOSURES)
        for site in (alder, birch)
        for day in weekdays(D(2026, 9, 1), D(2026, 12, 18))
    )
    absent_often: dict[int, float] = {}
    students = []
    for i in range(36):
        s = f.StudentFactory(household__district=district)
        site = alder if i % 2 else birch
        if i % 9 == 1:  # enrolled mid-year
            f.EnrolmentFactory(student=s, site=site, starts_on=D(2026, 10, 19))
        elif i % 9 == 2:  # changes school
            Enrolment.objects.create(
                student=s,
                site=alder,
                starts_on=D(2026, 8, 20),
                ends_on=D(2026, 10, 9),
                is_active=False,
            )
            Enrolment.objects.create(student=s, site=birch, starts_on=D(2026, 10, 13))
        elif i % 9 == 3:  # leaves
            Enrolment.objects.create(
                student=s, site=site, starts_on=D(2026, 8, 20), ends_on=D(2026, 11, 6)
            )
        elif i % 9 == 4:  # an inactive enrolment without an end: not counted
            Enrolment.objects.create(
                student=s, site=site, starts_on=D(2026, 8, 20), is_active=False
            )
        else:
            f.EnrolmentFactory(student=s, site=site, starts_on=D(2026, 8, 20))
        if i % 4 == 0:  # chronically absent last year
            StudentAttendance.objects.create(
                district=district, student=s, school_year=2025, as_of=D(2026, 6, 15), chronic=True
            )
        # A fifth often absent; some worse as the term goes on (no improvement after support).
        absent_often[s.pk] = 0.3 if i % 5 == 0 else 0.04
        students.append((s, site))

    U, E, T = Category.UNEXCUSED_ABSENCE, Category.EXCUSED_ABSENCE, Category.TARDY
    runs = {
        # three unexcused days in a row, a file each day
        6: {D(2026, 11, 16): [U], D(2026, 11, 17): [U], D(2026, 11, 18): [U]},
        # unexcused days on both sides of the Thanksgiving closure
        24: {D(2026, 11, 24): [U], D(2026, 11, 25): [U], D(2026, 11, 30): [U], D(2026, 12, 1): [U]},
        # absent across the first school month's end, excused and not, and across the closure
        # found late
        33: {
            D(2026, 9, 29): [U],
            D(2026, 9, 30): [E],
            D(2026, 10, 1): [U, T],
            D(2026, 10, 2): [U],
            D(2026, 10, 5): [U],
        },
    }

    def events_on(day):
        changed = set()
        for i, on in runs.items():
            s, site = students[i]
            if day in on:
                AttendanceEvent.objects.filter(student=s, date=day).delete()
                for category in on[day]:
                    AttendanceEvent.objects.create(
                        district=district, site=site, student=s, date=day, category=category
                    )
                changed.add(s.pk)
        for i, (s, site) in enumerate(students):
            if day in runs.get(i, {}):
                continue
            p = absent_often[s.pk] * (2 if day > D(2026, 11, 1) and s.pk % 3 == 0 else 1)
            if rng.random() < p:
                for category in rng.sample(CATEGORIES, rng.choice([1, 1, 1, 2])):
                    AttendanceEvent.objects.create(
                        district=district, site=site, student=s, date=day, category=category
                    )
                changed.add(s.pk)
        return changed

    seen_reasons: set[str] = set()
    carried = 0
    named = with_events = 0  # on the days with only the day's file
    pending: set[int] = set()
    days = list(weekdays(D(2026, 9, 1), D(2026, 12, 11)))
    for n, day in enumerate(days):
        changed = pending | events_on(day)
        if day in CLOSURES:
            continue  # events on a closure are kept and never count
        if day == MISSED_FILE:
            pending = changed
            continue
        # As the import's receiver: the students named changed nothing before `since`.
        since = MISSED_FILE if pending else day
        plain = not pending
        pending = set()
        if n % 7 == 3:  # a correction of an earlier day: an absence removed, or one added
            s, site = rng.choice(students)
            earlier = days[n - rng.randint(1, 20)]
            since, plain = earlier, False
            gone = AttendanceEvent.objects.filter(student=s, date=earlier)
            if gone.exists():
                gone.delete()
            else:
                AttendanceEvent.objects.create(
                    district=district,
                    site=site,
                    student=s,
                    date=earlier,
                    category=Category.UNEXCUSED_ABSENCE,
                )
            changed.add(s.pk)
        if day == D(2026, 11, 2):  # a closure found late: every student of the school again
            SchoolDay.objects.filter(site=alder, date=LATE_CLOSURE).update(is_instructional=False)
            changed |= set(
                Enrolment.objects.filter(site=alder).values_list("student_id", flat=True)
            )
            since, plain = LATE_CLOSURE, False
        with transaction.atomic():
            recompute(district=district, student_ids=None, as_of=day)
            full = state(district)
            transaction.set_rollback(True)
        result = recompute(district=district, student_ids=sorted(changed), as_of=day, since=since)
        now = state(district)
        assert now == full, (
            day,
            sorted(set(now[0]) - set(full[0])),
            sorted(set(full[0]) - set(now[0])),
            sorted(set(now[1]) ^ set(full[1])),
        )
        carried += result.advanced
        if plain:
            named += len(changed)
            with_events += result.advanced_with_events
        for reasons in StudentAttendance.objects.filter(school_year=2026).values_list(
            "tier_reasons", flat=True
        ):
            seen_reasons |= {r["code"] for r in reasons}
    assert carried > 20 * len(days)
    # Most students with the day's events were carried with them, not computed from all events.
    assert with_events > named * 3 / 4, (with_events, named)
    assert seen_reasons == {
        "chronic_last_year",
        "early_pace",
        "chronic",
        "severe",
        "no_improvement",
        "consecutive_unexcused",
    }
