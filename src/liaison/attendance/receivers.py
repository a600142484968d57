"""What attendance does when a day's file is imported: measures and tiers brought up to date, then
the at-risk scores and Tier 3 tasks of the students they moved."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Max
from django.utils import timezone

from liaison.attendance.models import AttendanceEvent, SchoolDay, rules_for, school_year_of
from liaison.attendance.services import (
    RecomputeResult,
    after_recompute,
    latest_as_of,
    recompute,
)
from liaison.core.alongside import beside
from liaison.people.models import District, Enrolment


def recompute_after_import(
    sender: Any,
    *,
    district: District,
    site_ids: Iterable[int],
    days: Iterable[dt.date],
    student_ids: Iterable[int] | None = None,
    **kwargs: Any,
) -> RecomputeResult | None:
    """Recompute the students whose days changed, and carry everyone else forward.

    `student_ids`: the students an events file changed on its days, those whose events it wrote
    and those whose events of those days it replaced (None: a calendar, which changes every
    student of its schools on its days).

    Days still to come (a calendar's) are left out; a file reaching into an earlier school year
    brings that year to its end first, then this year's measures to the file's last day (or the
    last day computed, when later)."""
    today = timezone.localdate()
    # A calendar lists its days to come: they are not attendance yet (measures "as of" a day in
    # the future would count every day up to it as present).
    days = sorted({day for day in days if day <= today})
    site_ids = list(site_ids)
    if not days:
        return None
    rules = rules_for(district)
    years: dict[int, list[dt.date]] = defaultdict(list)
    for day in days:
        years[school_year_of(day, rules.year_starts)].append(day)
    # A file reaching back into an earlier school year (a first import, a late correction) brings
    # that year's measures to its last school day first: "chronically absent last school year"
    # is read from them.
    for year in sorted(years)[:-1]:
        year_end = _last_school_day(district, year) or years[year][-1]
        last = latest_as_of(district, school_year=year)
        _recompute_days(
            district, year, site_ids, years[year], min(year_end, today), student_ids, last
        )
    year = max(years)
    last = latest_as_of(district, school_year=year)
    as_of = min(max(years[year][-1], last) if last else years[year][-1], today)
    result = _recompute_days(district, year, site_ids, years[year], as_of, student_ids, last)
    # Then outreach, for this school year: the at-risk scores of those students, and a task for
    # each now in Tier 3. They read only the measures and tiers just committed, and the nudges
    # (the next receivers) read neither: on PostgreSQL, beside the nudges on a second connection.
    beside(after_recompute, district=district, student_ids=result.touched, as_of=as_of)
    return result


def _last_school_day(district: District, year: int) -> dt.date | None:
    found: dt.date | None = SchoolDay.objects.filter(
        site__district=district, school_year=year, is_instructional=True
    ).aggregate(d=Max("date"))["d"]
    return found


def _recompute_days(
    district: District,
    year: int,
    site_ids: list[int],
    days: list[dt.date],
    as_of: dt.date,
    student_ids: Iterable[int] | None,
    last: dt.date | None,
) -> RecomputeResult:
    """Recompute the students with events on `days`. A day already computed is a correction: an
    events file names the students whose events of its days it wrote or took away (a student
    whose event was removed has no row to show it any more); a calendar changes every student
    enrolled at its schools, all recomputed from their events. `last`: the day the year's
    measures were brought up to before (latest_as_of), None when never."""
    changed = set(
        AttendanceEvent.objects.filter(
            district=district, site_id__in=site_ids, date__in=days
        ).values_list("student_id", flat=True)
    )
    if student_ids is not None:
        changed |= set(student_ids)
    elif last is not None and days[0] <= last:
        changed |= set(
            Enrolment.objects.filter(site_id__in=site_ids).values_list("student_id", flat=True)
        )
    # Nothing before the file's first day changed: a student whose row is dated before it (a
    # new day's file, the usual case) is carried forward with the day's events.
    return recompute(district=district, student_ids=changed, as_of=as_of, since=days[0])
