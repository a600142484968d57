"""The day's attendance nudges for a day's file: 8,000 absent students (× ctx.scale) in about 7,000
households, siblings together. Target: under 2 s, the nudges' share of the issue's "a day's file
imports and updates measures, tiers and the day's nudges in under 5 s". The second run of the same
day must send nothing."""

import datetime as dt
import time
import zoneinfo
from decimal import Decimal

from bench.harness import Result


def _district(n_students: int):
    from liaison.attendance.choices import Category
    from liaison.attendance.models import AttendanceEvent, SchoolDay, StudentAttendance
    from liaison.people.models import District, Enrolment, Guardian, Household, Site, Student

    district = District.objects.create(
        name="Nudge Bench District",
        slug=f"bench-nudges-{time.time_ns()}",
        time_zone="America/New_York",
    )
    site = Site.objects.create(district=district, name="Bench Elementary")
    monday = dt.date(2026, 10, 5)
    SchoolDay.objects.bulk_create(
        SchoolDay(site=site, date=monday + dt.timedelta(days=d), school_year=2026)
        for d in range(0, 5)
    )
    n_households = max(1, n_students * 7 // 8)
    households = Household.objects.bulk_create(
        Household(district=district, name=f"Bench {i} household") for i in range(n_households)
    )
    Guardian.objects.bulk_create(
        Guardian(
            household=h,
            given_name="Parent",
            family_name=f"Bench{i}",
            preferred_language=("es", "en", "vi", "ar")[i % 4],
            phone=f"+1857555{i % 10000:04d}",
            preferred_channels=["sms"],
        )
        for i, h in enumerate(households)
    )
    students = Student.objects.bulk_create(
        Student(
            district=district,
            household=households[i % n_households],
            given_name=f"Child{i}",
            family_name="Bench",
            grade=f"{i % 6 + 1:02d}",
        )
        for i in range(n_students)
    )
    Enrolment.objects.bulk_create(Enrolment(student=s, site=site) for s in students)
    AttendanceEvent.objects.bulk_create(
        AttendanceEvent(
            district=district,
            site=site,
            student=s,
            date=monday,
            category=Category.UNEXCUSED_ABSENCE,
        )
        for s in students
    )
    StudentAttendance.objects.bulk_create(
        StudentAttendance(
            district=district,
            student=s,
            school_year=2026,
            site=site,
            as_of=monday,
            days_enrolled=25,
            days_absent=Decimal(i % 6),
        )
        for i, s in enumerate(students)
    )
    return district, monday


def run(ctx):
    from liaison.attendance.nudges import send_days_nudges

    n = ctx.n(8000)
    district, monday = _district(n)
    morning = dt.datetime(2026, 10, 6, 9, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    start = time.perf_counter()
    first = send_days_nudges(district=district, day=monday, now=morning)
    seconds = time.perf_counter() - start
    again = send_days_nudges(district=district, day=monday, now=morning)
    yield Result(
        name="Attendance nudges for a day's file",
        value=seconds,
        unit="s",
        target="< 2 s for 8,000 absences",
        ok=seconds < 2 if ctx.scale >= 1 else None,
        notes=f"{first.sent} families told about {first.students} children ({n} absences)",
    )
    yield Result(
        name="Attendance nudges, the same day again",
        value=again.sent,
        unit="messages",
        target="0",
        ok=again.sent == 0,
        notes="",
    )
