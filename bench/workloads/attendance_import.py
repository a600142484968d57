"""Attendance import: a school year for a district of 100,000 students, then one day's file.

Size: 100,000 students × ctx.scale (override with LIAISON_BENCH_ATTENDANCE_STUDENTS) at 60 schools,
about 15 absence events per student over 180 school days (1.5 million rows) and the calendars.
Targets, for the full size only (smaller runs give the figures without a verdict):
- the calendars and the year's events file import in under 60 s;
- a day's file (8,000 events) imports in under 5 s, including what `day_imported` sets off
  (measures, tiers and the day's nudges, when those receivers are connected).
The time is measured around import_file(), the files having been written beforehand.
"""

import csv
import datetime as dt
import os
import random
import tempfile
import time
from pathlib import Path

from bench.harness import Result

SCHOOLS = 60
EVENTS_PER_STUDENT = 15
DAY_EVENTS = 8_000
CATEGORIES = ("Unexcused Absence", "Excused Absence", "Tardy", "Early departure")


def _school_days(first: dt.date, count: int) -> list[dt.date]:
    out, day = [], first
    while len(out) < count:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def _district(students: int):
    """A district of its own: schools and students with SIS ids, each enrolled at one school."""
    from django.utils import timezone

    from liaison.core.db import insert_rows
    from liaison.people.models import District, Enrolment, Site, Student

    district = District.objects.create(name="Attendance bench", slug="attendance-bench")
    sites = [
        Site.objects.create(district=district, name=f"School {i}", sourced_id=f"ab-school-{i}")
        for i in range(SCHOOLS)
    ]
    now = timezone.now()
    pairs = insert_rows(
        Student,
        [
            "district_id",
            "given_name",
            "family_name",
            "sourced_id",
            "is_active",
            "grade",
            "created_at",
            "updated_at",
            "preferred_name",
        ],
        [
            (district.pk, f"Child{i}", "Bench", f"ab-{i}", True, "05", now, now, "")
            for i in range(students)
        ],
        returning="sourced_id",
    )
    ids = {sourced: pk for sourced, pk in pairs}
    insert_rows(
        Enrolment,
        ["student_id", "site_id", "starts_on", "is_active", "created_at", "updated_at"],
        [
            (ids[f"ab-{i}"], sites[i % SCHOOLS].pk, dt.date(2025, 8, 1), True, now, now)
            for i in range(students)
        ],
    )
    return district, sites


def _write_files(work: Path, students: int, days: list[dt.date]) -> tuple[Path, Path, Path, int]:
    rng = random.Random(21)
    calendar = work / "calendar.csv"
    with calendar.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["school_id", "calendar_date", "calendar_events"])
        for i in range(SCHOOLS):
            for day in days:
                w.writerow([f"ab-school-{i}", day.isoformat(), "Instructional day"])
    year = work / "year.csv"
    rows = 0
    year_days = days[:-1]  # the last day comes in the day's file
    with year.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(
            [
                "school_id",
                "student_id",
                "attendance_event_date",
                "attendance_event_category",
                "attendance_event_reason",
            ]
        )
        for s in range(students):
            school = f"ab-school-{s % SCHOOLS}"
            k = min(len(year_days), int(rng.expovariate(1 / EVENTS_PER_STUDENT)))
            for d in rng.sample(range(len(year_days)), k):
                w.writerow(
                    [school, f"ab-{s}", year_days[d].isoformat(), rng.choice(CATEGORIES), ""]
                )
                rows += 1
    day = work / "day.csv"
    with day.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(
            ["school_id", "student_id", "attendance_event_date", "attendance_event_category"]
        )
        for s in rng.sample(range(students), min(students, DAY_EVENTS)):
            w.writerow(
                [
                    f"ab-school-{s % SCHOOLS}",
                    f"ab-{s}",
                    days[-1].isoformat(),
                    rng.choice(CATEGORIES),
                ]
            )
    return calendar, year, day, rows


def run(ctx):
    from liaison.attendance.imports import import_file

    students = int(os.environ.get("LIAISON_BENCH_ATTENDANCE_STUDENTS", 0)) or ctx.n(100_000)
    full = students >= 100_000
    district, _sites = _district(students)
    days = _school_days(dt.date(2025, 9, 3), 180)
    work = Path(tempfile.mkdtemp(prefix="attendance-bench-"))
    calendar, year, day, rows = _write_files(work, students, days)

    start = time.perf_counter()
    cal = import_file(district=district, path=calendar)
    events = import_file(district=district, path=year)
    seconds = time.perf_counter() - start
    assert cal.status == "done" and events.status == "done", (cal.message, events.message)
    yield Result(
        name=f"Attendance: a year for {students:,} students (calendars + events)",
        value=seconds,
        unit="s",
        target="< 60 s at 100,000 students",
        ok=(seconds < 60) if full else None,
        notes=f"{rows:,} events, {cal.rows_saved:,} calendar days",
    )

    start = time.perf_counter()
    one = import_file(district=district, path=day)
    seconds = time.perf_counter() - start
    assert one.status == "done", one.message
    again_start = time.perf_counter()
    again = import_file(district=district, path=day)  # the same day re-sent: replaced
    again_seconds = time.perf_counter() - again_start
    assert again.rows_saved == one.rows_saved
    yield Result(
        name="Attendance: a day's file (8,000 events), with what it sets off",
        value=seconds,
        unit="s",
        target="< 5 s at 100,000 students",
        ok=(seconds < 5) if full else None,
        notes=f"{one.rows_saved:,} events; the same day re-imported (replaced) in {again_seconds:.2f} s",
    )
    for path in (calendar, year, day):
        path.unlink()
    work.rmdir()
