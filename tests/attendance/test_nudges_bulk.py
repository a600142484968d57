"""A day's nudges are written in bulk: the same few statements for 3 families or 30, each family's
message carries its own children and reaches only its own guardians, and two runs racing each
other still tell each family once."""

import datetime as dt
import threading
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.attendance.choices import Category
from liaison.attendance.models import AttendanceEvent, AttendanceNudge, SchoolDay, StudentAttendance
from liaison.attendance.nudges import send_days_nudges
from liaison.messaging.models import Conversation, Delivery, Message, Rendering
from tests import factories as f

NY = zoneinfo.ZoneInfo("America/New_York")
MONDAY = dt.date(2026, 10, 5)
TUESDAY_MORNING = dt.datetime(2026, 10, 6, 9, 30, tzinfo=NY)


def _district(n_families: int, *, name: str = "Bulk"):
    district = f.DistrictFactory(time_zone="America/New_York")
    site = f.SiteFactory(district=district, name=f"{name} Elementary")
    for offset in range(0, 5):
        SchoolDay.objects.create(
            site=site, date=MONDAY + dt.timedelta(days=offset), school_year=2026
        )
    families = []
    for n in range(n_families):
        household = f.HouseholdFactory(district=district, name=f"{name} family {n}")
        guardian = f.GuardianFactory(
            household=household,
            preferred_language=("es", "en", "vi")[n % 3],
            phone=f"+18575550{100 + n % 100:03d}",
        )
        child = f.StudentFactory(household=household, given_name=f"{name}child{n}", grade="03")
        guardian.student_links.create(student=child)
        f.EnrolmentFactory(student=child, site=site)
        AttendanceEvent.objects.create(
            district=district,
            site=site,
            student=child,
            date=MONDAY,
            category=Category.UNEXCUSED_ABSENCE,
        )
        StudentAttendance.objects.create(
            district=district,
            student=child,
            school_year=2026,
            site=site,
            as_of=MONDAY,
            days_enrolled=25,
            days_absent=Decimal(n % 4 + 1),
        )
        families.append((household, guardian, child))
    return district, families


def _statements(district) -> int:
    with CaptureQueriesContext(connection) as captured:
        result = send_days_nudges(district=district, day=MONDAY, now=TUESDAY_MORNING)
    assert result.skipped == {}
    return len(captured.captured_queries)


def test_the_days_nudges_take_as_many_statements_for_thirty_families_as_for_three(db, settings):
    # The nudges' own statements: kept pages' versions (core/kept.py), drawn once per table and
    # transaction whatever the number of families, go to a cache outside the database here.
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    few, _families = _district(3, name="Few")
    many, _families = _district(30, name="Many")
    assert _statements(few) == _statements(many)
    assert Message.objects.filter(notice_kind="attendance_nudge").count() == 33


def test_each_family_gets_its_own_children_in_its_language_and_nobody_elses(db):
    district, families = _district(3)
    result = send_days_nudges(district=district, day=MONDAY, now=TUESDAY_MORNING)
    assert result.sent == 3 and result.students == 3
    for household, guardian, child in families:
        delivery = Delivery.objects.get(guardian=guardian)
        message = delivery.message
        nudge = AttendanceNudge.objects.get(household=household, day=MONDAY)
        assert nudge.message_id == message.pk and nudge.student_ids == [child.pk]
        assert message.conversation == Conversation.objects.get(household=household, staff=None)
        assert child.given_name in message.body
        others = [c.given_name for _h, _g, c in families if c != child]
        assert not any(name in message.body for name in others)
        rendering = Rendering.objects.get(message=message, language=guardian.preferred_language)
        assert child.given_name in rendering.body
        assert delivery.language == guardian.preferred_language
        assert delivery.address == guardian.phone
    spanish = Rendering.objects.get(message__deliveries__guardian=families[0][1])
    assert spanish.subject == "Asistencia escolar"


def test_a_familys_existing_thread_is_used_and_moves_to_the_top(db):
    district, families = _district(1)
    household = families[0][0]
    thread = Conversation.objects.create(household=household, district=district)
    send_days_nudges(district=district, day=MONDAY, now=TUESDAY_MORNING)
    thread.refresh_from_db()
    assert Message.objects.get(notice_kind="attendance_nudge").conversation == thread
    assert thread.last_message_at is not None
    assert Conversation.objects.filter(household=household).count() == 1


def race(district, families) -> dict:
    """Two runs of the same day's nudges at once; what they wrote, per family (also run by
    race_nudges_sqlite_file.py)."""
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        from django.db import connection as conn

        try:
            barrier.wait()
            results.append(send_days_nudges(district=district, day=MONDAY, now=TUESDAY_MORNING))
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return {
        "vendor": connection.vendor,
        "database": str(connection.settings_dict["NAME"]),
        "errors": errors,
        "sent": sorted(r.sent for r in results),
        "already_told": sum(r.skipped["already_told"] for r in results),
        "nudges": AttendanceNudge.objects.filter(day=MONDAY).count(),
        "messages": Message.objects.filter(notice_kind="attendance_nudge").count(),
        "deliveries": sorted(Delivery.objects.filter(guardian=g).count() for _h, g, _c in families),
    }


def _race_on_a_sqlite_file(tmp_path) -> dict:
    """The test suite's in-memory SQLite cannot make a writer wait (shared cache: "table is
    locked"); the production configuration (a file: WAL, busy timeout, IMMEDIATE) can, so the
    race runs there, in a fresh process."""
    import json
    import os
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parents[2]
    env = {**os.environ, "LIAISON_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, str(root / "tests/attendance/race_nudges_sqlite_file.py")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["database"].startswith(str(tmp_path))
    return result


@pytest.mark.django_db(transaction=True)
def test_two_runs_racing_for_the_same_day_tell_each_family_once(tmp_path):
    if connection.vendor == "sqlite":
        result = _race_on_a_sqlite_file(tmp_path)
    else:
        district, families = _district(12)
        result = race(district, families)
    assert result["errors"] == []
    assert result["sent"] == [0, 12]
    assert result["already_told"] == 12
    assert (result["nudges"], result["messages"]) == (12, 12)
    assert result["deliveries"] == [1] * 12
    assert result["vendor"] == connection.vendor
