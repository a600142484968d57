"""What the admin site and any list of rows shows for a row (its __str__) reads as words, with dates
in the reader's format: not "2026-12-14 15:30" nor a stored code."""

import datetime as dt

from django.utils import timezone, translation

from liaison.attendance.models import SchoolDay, Unreachable
from liaison.concerns import services
from liaison.concerns.models import ConcernChange
from tests.concerns import factories as cf


def test_rows_name_their_dates_as_the_reader_writes_them(world):
    day = SchoolDay.objects.create(site=world.school, date=dt.date(2026, 12, 14), school_year=2026)
    mark = Unreachable.objects.create(
        district=world.district,
        household=world.caseload_family,
        at=timezone.make_aware(dt.datetime(2026, 12, 14, 15, 30)),
    )
    concern = cf.concern(world.caseload_family, assignee=world.liaison)
    services.change_status(concern=concern, status="in_progress", by=world.liaison)
    change = ConcernChange.objects.filter(concern=concern, action="status").last()
    change.at = timezone.make_aware(dt.datetime(2026, 12, 14, 15, 30))

    with translation.override("en"):
        assert str(day).endswith(" Dec 14, 2026")
        assert str(mark).endswith(": unreachable since Dec 14, 2026")
        assert str(change).startswith("Dec 14, 2026, 3:30\u202fPM ")
        assert str(change).endswith(f"{world.liaison} status")
    with translation.override("es"):
        assert str(day).endswith(" 14 dic 2026")
        assert str(mark).endswith(": sin respuesta desde 14 dic 2026")
    for row in (day, mark, change):
        assert "2026-12-14" not in str(row)
