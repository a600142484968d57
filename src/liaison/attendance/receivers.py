"""What attendance does when a day's file is imported: measures and tiers brought up to date."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from liaison.attendance.models import AttendanceEvent
from liaison.attendance.services import RecomputeResult, latest_as_of, recompute
from liaison.people.models import District, Enrolment


def recompute_after_import(
    sender: Any,
    *,
    district: District,
    site_ids: Iterable[int],
    days: Iterable[dt.date],
    **kwargs: Any,
) -> RecomputeResult | None:
    """Recompute the students whose days changed, and carry everyone else forward.

    A day after the last one computed brings new events: those students are recomputed. A day
    already computed is a correction that may also have removed a student's event, which no row
    shows any more: every student enrolled at those sites is recomputed from their events."""
    days = sorted(set(days))
    site_ids = list(site_ids)
    if not days:
        return None
    last = latest_as_of(district)
    as_of = max(days[-1], last) if last else days[-1]
    changed = set(
        AttendanceEvent.objects.filter(
            district=district, site_id__in=site_ids, date__in=days
        ).values_list("student_id", flat=True)
    )
    if last is not None and days[0] <= last:
        changed |= set(
            Enrolment.objects.filter(site_id__in=site_ids).values_list("student_id", flat=True)
        )
    return recompute(district=district, student_ids=changed, as_of=as_of)
