"""The district admin's attendance imports page: upload, follow the run, read refused rows, templates."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liaison.attendance.choices import ImportStatus
from liaison.attendance.imports import run_upload_task
from liaison.attendance.models import AttendanceEvent, AttendanceImport
from liaison.attendance.templates_csv import CALENDAR_TEMPLATE, EVENTS_TEMPLATE
from liaison.core.policy.roles import Role
from tests import factories as f
from tests.attendance.test_import import TP_HEADER


def test_admin_uploads_a_days_file_and_reads_the_refused_rows(
    client, school, django_capture_on_commit_callbacks
):
    client.force_login(school.world.admin)
    upload = SimpleUploadedFile(
        "monday.csv",
        (
            TP_HEADER + "alder,s-ana,2026-09-14,Unexcused Absence,\n"
            "alder,s-nobody,2026-09-14,Unexcused Absence,\n"
        ).encode(),
        content_type="text/csv",
    )
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("attendance:imports"), {"file": upload, "mode": "days"})
    batch = AttendanceImport.objects.get()
    assert response["Location"] == reverse("attendance:import", args=[batch.pk])
    assert batch.status == ImportStatus.QUEUED and batch.by == school.world.admin
    page = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Waiting to start" in page
    stored = batch.upload.path
    run_upload_task.call(batch.pk)  # what the background worker runs
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE_WITH_ERRORS and not batch.upload
    assert not os.path.exists(stored)  # the file held family data
    page = client.get(response["Location"]).content.decode()
    assert "every 1s" not in page
    assert "Refused rows" in page and "s-nobody" in page
    assert "no student of this district has this id" in page
    assert AttendanceEvent.objects.get().student == school.ana
    listing = client.get(reverse("attendance:imports")).content.decode()
    assert "monday.csv" in listing and "Done, some rows refused" in listing


def test_a_refused_file_shows_one_clear_message(client, school):
    client.force_login(school.world.admin)
    upload = SimpleUploadedFile("names.csv", b"name,phone\nA,1\n", content_type="text/csv")
    client.post(reverse("attendance:imports"), {"file": upload, "mode": "days"})
    batch = AttendanceImport.objects.get()
    run_upload_task.call(batch.pk)
    page = client.get(reverse("attendance:import", args=[batch.pk])).content.decode()
    assert "The file was not imported; nothing was changed." in page
    assert "neither attendance events" in page


def test_the_form_says_what_is_wrong_with_the_upload(client, school):
    client.force_login(school.world.admin)
    upload = SimpleUploadedFile("days.xlsx", b"PK..", content_type="application/octet-stream")
    response = client.post(reverse("attendance:imports"), {"file": upload, "mode": "days"})
    assert response.status_code == 200
    assert "Attendance and calendars are imported from a .csv file" in response.content.decode()
    assert not AttendanceImport.objects.exists()


def test_an_import_is_seen_only_by_its_districts_admins(client, school):
    batch = AttendanceImport.objects.create(
        district=school.world.district, kind="events", source="command", file_name="a.csv"
    )
    other_admin = f.UserFactory(username="other-admin")
    f.MembershipFactory(
        user=other_admin, district=school.world.other_district, role=Role.DISTRICT_ADMIN
    )
    url = reverse("attendance:import", args=[batch.pk])
    for user, status in (
        (school.world.admin, 200),
        (other_admin, 404),
        (school.world.leader, 404),
        (school.world.liaison, 404),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user


@pytest.mark.parametrize(
    ("kind", "text"), [("events", EVENTS_TEMPLATE), ("calendar", CALENDAR_TEMPLATE)]
)
def test_admin_downloads_the_templates(client, world, kind, text):
    client.force_login(world.admin)
    response = client.get(reverse("attendance:template", args=[kind]))
    assert response.content.decode() == text
    assert f"attendance-{kind}-template.csv" in response["Content-Disposition"]
    assert client.get(reverse("attendance:template", args=["nonsense"])).status_code == 404
    client.force_login(world.liaison)
    assert client.get(reverse("attendance:template", args=[kind])).status_code == 404


def test_the_attendance_pages_link_each_other_for_those_who_may_open_them(client, world):
    """Not in the menu (the admin's must fit a 1366 px screen): the Imports page and the
    attendance pages link the attendance imports, message and rules, each to whom it is for."""
    client.force_login(world.admin)
    imports = client.get(reverse("roster:imports")).content.decode()
    assert reverse("attendance:imports") in imports
    page = client.get(reverse("attendance:at_risk")).content.decode()
    for name in ("attendance:imports", "attendance:message", "attendance:rules"):
        assert f'href="{reverse(name)}"' in page, name
    client.force_login(world.leader)
    page = client.get(reverse("attendance:at_risk")).content.decode()
    assert f'href="{reverse("attendance:message")}"' in page
    assert f'href="{reverse("attendance:rules")}"' not in page
    client.force_login(world.liaison)
    assert "Attendance imports" not in client.get("/").content.decode()
    page = client.get(reverse("attendance:at_risk")).content.decode()
    assert f'href="{reverse("attendance:message")}"' not in page


def test_the_guide_shows_the_templates_the_page_offers():
    from pathlib import Path

    guide = (Path(__file__).parents[2] / "docs" / "attendance.md").read_text()
    for text in (EVENTS_TEMPLATE, CALENDAR_TEMPLATE):
        assert "\n".join("    " + line for line in text.strip().split("\r\n")) in guide
