"""The demo district's attendance: last school year and this one up to yesterday, imported as the
school's system would send them (a calendar file, then the events), so tiers, nudges, the at-risk
list and the before/after figures have data.

About a fifth of the students end up chronically absent, concentrated as in real districts: in some
families (siblings share a pattern), more in the high school than the elementary school, more among
students in the McKinney-Vento programme; some chronic students miss days in runs, and some get worse
in the last four weeks.
"""

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path

from django.db.models import Value
from django.db.models.functions import Concat

from liaison.attendance.choices import ImportSource
from liaison.attendance.imports import import_file
from liaison.attendance.models import school_year_of
from liaison.people.choices import Programme
from liaison.people.models import District, Enrolment, Student, StudentProgramme

# Share of families by pattern, and the daily chance of an absence for a child of each.
PATTERNS = [(0.62, (0.004, 0.035)), (0.18, (0.04, 0.085)), (0.20, (0.11, 0.28))]
BY_SITE = {"Eastside High School": 1.25, "Lincoln Middle School": 1.1}
MCKINNEY_VENTO = 1.6
WORSENING = 0.10  # share of students whose absences double over the last four weeks
STREAK = 0.35  # chance that an absent child of the chronic pattern is absent the next day too


def closures(year: int) -> dict[dt.date, str]:
    """The closures of school year `year` (which starts in September of `year`)."""

    def nth_weekday(y: int, month: int, weekday: int, n: int) -> dt.date:
        day = dt.date(y, month, 1)
        day += dt.timedelta(days=(weekday - day.weekday()) % 7)
        return day + dt.timedelta(weeks=n - 1)

    out = {
        nth_weekday(year, 10, 0, 2): "Holiday",
        dt.date(year, 11, 11): "Holiday",
        nth_weekday(year, 11, 3, 4): "Holiday",
        nth_weekday(year, 11, 3, 4) + dt.timedelta(days=1): "Holiday",
        nth_weekday(year + 1, 1, 0, 3): "Holiday",
        nth_weekday(year + 1, 2, 0, 3): "Holiday",
        nth_weekday(year, 11, 0, 1): "Teacher only day",
        nth_weekday(year + 1, 3, 4, 2): "Teacher only day",
    }
    for first, days in ((dt.date(year, 12, 24), 10), (nth_weekday(year + 1, 4, 0, 3), 5)):
        for i in range(days):
            out[first + dt.timedelta(days=i)] = "Holiday"
    out[nth_weekday(year + 1, 1, 1, 4)] = "Weather day"
    return out


def school_days(year: int) -> list[tuple[dt.date, str]]:
    """Every weekday of school year `year`, from the first Wednesday of September to 20 June, with
    its closure reason ('' for a school day)."""
    day = dt.date(year, 9, 1)
    day += dt.timedelta(days=(2 - day.weekday()) % 7)
    shut = closures(year)
    out = []
    while day <= dt.date(year + 1, 6, 20):
        if day.weekday() < 5:
            out.append((day, shut.get(day, "")))
        day += dt.timedelta(days=1)
    return out


def add_attendance(*, district: District, rng: random.Random, today: dt.date) -> None:
    """Import last year's and this year's attendance (to yesterday) for the demo's students."""
    Student.objects.filter(district=district, sourced_id__isnull=True).update(
        sourced_id=Concat(Value(f"{district.slug}-student-"), "id")
    )
    enrolments = list(
        Enrolment.objects.filter(student__district=district, is_active=True).values_list(
            "student_id", "student__sourced_id", "student__household_id", "site__name", "starts_on"
        )
    )
    homeless = set(
        StudentProgramme.objects.filter(
            student__district=district, programme=Programme.MCKINNEY_VENTO
        ).values_list("student_id", flat=True)
    )
    this_year = school_year_of(today, (7, 1))
    years = [this_year - 1, this_year]
    site_names = sorted({e[3] for e in enrolments})
    calendars = {year: school_days(year) for year in years}
    work = Path(tempfile.mkdtemp(prefix="demo-attendance-"))
    calendar = work / "calendar.csv"
    with calendar.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["school_id", "calendar_date", "calendar_events"])
        for year in years:
            for day, closure in calendars[year]:
                for name in site_names:
                    w.writerow([name, day.isoformat(), closure or "Instructional day"])
    import_file(district=district, path=calendar, source=ImportSource.COMMAND)

    family_rate: dict[int, float] = {}
    for household in sorted({e[2] for e in enrolments}):
        roll, start = rng.random(), 0.0
        for share, (low, high) in PATTERNS:
            start += share
            if roll < start:
                family_rate[household] = rng.uniform(low, high)
                break
        else:
            family_rate[household] = PATTERNS[-1][1][1]
    events = work / "events.csv"
    with events.open("w", newline="") as handle:
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
        for student_id, sourced, household, site, starts in enrolments:
            base = family_rate[household] * BY_SITE.get(site, 0.9)
            if student_id in homeless:
                base *= MCKINNEY_VENTO
            worsens = rng.random() < WORSENING
            for year in years:
                # Last year's pattern is this year's with some drift: most chronic children were
                # chronic the year before too.
                rate = min(0.6, base * (rng.uniform(0.6, 1.3) if year != this_year else 1.0))
                days = [d for d, closure in calendars[year] if not closure and starts <= d < today]
                absent_before = False
                for i, day in enumerate(days):
                    p = rate
                    if worsens and year == this_year and i >= len(days) - 20:
                        p = min(0.7, p * 2 + 0.05)
                    if absent_before and base > 0.1:
                        p = max(p, STREAK)
                    roll = rng.random()
                    if roll < p:
                        excused = rng.random() < 0.45
                        w.writerow(
                            [
                                site,
                                sourced,
                                day.isoformat(),
                                "Excused Absence" if excused else "Unexcused Absence",
                                rng.choice(("Illness", "Appointment", "Family")) if excused else "",
                            ]
                        )
                        absent_before = True
                        continue
                    absent_before = False
                    if roll < p + p * 0.6:
                        w.writerow([site, sourced, day.isoformat(), "Tardy", ""])
                    elif roll < p + p * 0.6 + 0.004:
                        w.writerow([site, sourced, day.isoformat(), "Early departure", ""])
    import_file(district=district, path=events, source=ImportSource.COMMAND)
    for path in (calendar, events):
        path.unlink()
    work.rmdir()
