"""Attendance's hooks: the import says which days of which schools changed, and the measures,
tiers and nudges listen (each connected in AttendanceConfig.ready())."""

from typing import Any

from django.dispatch import Signal
from django.utils import timezone

from liaison.attendance.nudges import RECENT_DAYS, send_days_nudges
from liaison.attendance.positive import send_positive_notes
from liaison.messaging.outbox import zone

# Sent after an attendance file is committed (attendance.imports): district, site_ids (set of
# ints), days (set of dates), student_ids (the students whose days changed; None after a calendar
# file, when every student of those schools may be affected) and batch (the AttendanceImport).
day_imported = Signal()


def nudge_imported_days(
    sender: object, *, district: Any, site_ids: Any, days: Any, **kwargs: Any
) -> None:
    """Tell the families of the children absent on the imported days (those recent enough)."""
    today = timezone.now().astimezone(zone(district.time_zone)).date()
    for day in sorted(days):
        # A day too old to nudge about is not read at all: a year's file names 180 of them, and
        # reading each day's absences cost more than the whole import on SQLite.
        if day <= today and (today - day).days <= RECENT_DAYS:
            send_days_nudges(district=district, day=day, site_ids=site_ids)


def praise_imported_days(
    sender: object, *, district: Any, site_ids: Any, days: Any, **kwargs: Any
) -> None:
    """After the day's nudges: a warm note to the families whose children's attendance clearly
    improved or had a month without an absence (once a month per child; too old a day sends
    nothing)."""
    if days:
        send_positive_notes(district=district, as_of=max(days), site_ids=site_ids)
