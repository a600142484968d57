"""LIAISON_TIME_ZONE is where a new district starts: its quiet hours end at 08:00 in that zone."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from liaison.messaging.outbox import quiet_hours, quiet_until
from liaison.people.models import District, Guardian, User

pytestmark = pytest.mark.django_db
BUNDLE = Path(__file__).resolve().parents[1] / "roster" / "data" / "small"


def test_a_district_the_roster_import_creates_takes_the_installation_zone(settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    call_command("import_oneroster", str(BUNDLE), stdout=io.StringIO())
    district = District.objects.get(sourced_id="d1")
    assert district.time_zone == "America/Los_Angeles"
    guardian = Guardian.objects.filter(household__district=district, time_zone="").first()
    # 05:30 in Los Angeles is 08:30 in New York: a Pacific family's texts still wait until 08:00.
    now = dt.datetime(2026, 12, 7, 13, 30, tzinfo=dt.UTC)
    until = quiet_until(now, guardian.zone(), *quiet_hours(district))
    assert until == dt.datetime(2026, 12, 7, 16, 0, tzinfo=dt.UTC)


def test_the_admin_form_for_a_new_district_offers_the_installation_zone(client, settings):
    settings.TIME_ZONE = "America/Denver"
    root = User.objects.create_superuser("root", "root@example.org", "pw-root-2026")
    client.force_login(root)
    page = client.get(reverse("admin:people_district_add"))
    assert page.status_code == 200
    assert 'value="America/Denver"' in page.content.decode()
