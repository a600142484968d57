"""Attendance: measures and tiers for a whole district recomputed after a day's import.

Size: 100,000 students × ctx.scale (override with LIAISON_BENCH_ATTENDANCE_STUDENTS) at 50 sites,
with a calendar from 1 September and absence events up to the day before the timed day (about 8% of
students absent on a given day, a fifth of them often: about 1.5 million events over a full year,
here about 120 school days). The first, full computation is given for context; the target is the
recompute after one more day's file (about 8,000 events): every student's measures carried to the
new day, the students with an event that day computed from all their events, tiers placed and
changes recorded. Target: under 10 s at 100,000 students.
"""

import datetime as dt
import os
import random
import time

from bench.harness import Result


def _school_days(start: dt.date, count: int) -> list[dt.date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _day_events(rng, students, site_of, day, district_id, often):
    from liaison.attendance.choices import Category
    from liaison.attendance.models import AttendanceEvent

    rows = []
    for sid in students:
        p = 0.25 if sid in often else 0.03
        if rng.random() < p:
            roll = rng.random()
            category = (
                Category.UNEXCUSED_ABSENCE
                if roll < 0.45
                else Category.EXCUSED_ABSENCE
                if roll < 0.85
                else Category.TARDY
                if roll < 0.95
                else Category.PARTIAL
            )
            rows.append(
                AttendanceEvent(
                    district_id=district_id,
                    site_id=site_of[sid],
                    student_id=sid,
                    date=day,
                    category=category,
                )
            )
    return rows


def run(ctx):
    from liaison.attendance.models import AttendanceEvent, SchoolDay, StudentAttendance
    from liaison.attendance.services import recompute
    from liaison.people.models import District, Enrolment, Site, Student

    n = int(os.environ.get("LIAISON_BENCH_ATTENDANCE_STUDENTS", 0)) or ctx.n(100_000)
    full = n >= 100_000
    rng = random.Random(21)
    district = District.objects.create(name="Attendance tiers bench", slug="attendance-tiers-bench")
    sites = Site.objects.bulk_create(
        [Site(district=district, name=f"Attendance school {i}") for i in range(50)]
    )
    Student.objects.bulk_create(
        [
            Student(district=district, given_name=f"S{i}", family_name="Bench", grade="05")
            for i in range(n)
        ],
        batch_size=5_000,
    )
    ids = list(Student.objects.filter(district=district).values_list("pk", flat=True))
    site_of = {sid: sites[i % len(sites)].pk for i, sid in enumerate(ids)}
    start = dt.date(2026, 9, 1)
    Enrolment.objects.bulk_create(
        [Enrolment(student_id=sid, site_id=site_of[sid], starts_on=start) for sid in ids],
        batch_size=5_000,
    )
    days = _school_days(start, 121)
    SchoolDay.objects.bulk_create(
        [SchoolDay(site=s, date=d, school_year=2026) for s in sites for d in days],
        batch_size=5_000,
    )
    often = set(rng.sample(ids, len(ids) // 5))
    for day in days[:-1]:
        AttendanceEvent.objects.bulk_create(
            _day_events(rng, ids, site_of, day, district.pk, often), batch_size=5_000
        )
    events = AttendanceEvent.objects.filter(district=district).count()
    began = time.perf_counter()
    recompute(district=district, student_ids=None, as_of=days[-2])
    first = time.perf_counter() - began
    yield Result(
        "attendance: first computation of every student",
        first,
        "s",
        "",
        ok=None,
        notes=f"{n:,} students, {events:,} events, {len(days) - 1} school days",
    )

    day = days[-1]
    todays = _day_events(rng, ids, site_of, day, district.pk, often)
    AttendanceEvent.objects.bulk_create(todays, batch_size=5_000)
    changed = sorted({e.student_id for e in todays})
    began, cpu = time.perf_counter(), time.process_time()
    result = recompute(district=district, student_ids=changed, as_of=day)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    tiers = StudentAttendance.objects.filter(district=district, school_year=2026)
    chronic = tiers.filter(chronic=True).count()
    yield Result(
        "attendance: tier recompute after a day's import",
        seconds,
        "s",
        "< 10 s at 100k students",
        ok=seconds < 10 and result.advanced + result.recomputed == n,
        notes=f"{n:,} students ({result.recomputed:,} with events that day, {result.advanced:,} "
        f"carried forward), {len(todays):,} events that day, {result.tier_changes:,} tier "
        f"changes, {chronic:,} chronically absent; {cpu:.1f} s CPU in this process, load average "
        f"{os.getloadavg()[0]:.1f}" + ("" if full else " (reduced size)"),
    )
