"""The district admin's roster pages: upload, progress and result, rejected rows, staff activation, merge, split."""

import csv
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liaison.people.models import Guardian, Household, User
from liaison.roster.models import ImportRun
from liaison.roster.services import execute, import_path, run_import_task

DATA = Path(__file__).parent / "data"


def _zip(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in folder.iterdir():
            z.write(f, f.name)
    return buf.getvalue()


def test_admin_uploads_a_bundle_and_follows_it_to_the_result(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.admin)
    upload = SimpleUploadedFile("sis.zip", _zip(DATA / "broken"), content_type="application/zip")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("roster:imports"), {"kind": "oneroster", "file": upload})
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("roster:run", args=[run.pk])
    assert run.started_by == world.admin and run.status == "queued"
    page = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in page and "<progress" in page  # the page polls while queued
    stored = Path(run.upload.path)
    run_import_task.call(run.pk)  # what the background worker runs
    assert not stored.exists()  # the upload (family data) is not kept after the run
    page = client.get(reverse("roster:run", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 1s"' not in page  # done: the run stops polling
    assert "Rejected rows" in page and "nadia(at)example.org" in page and "s99" in page
    assert "missing student for an agent" in page
    download = client.get(reverse("roster:run_rejected", args=[run.pk]))
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == ["severity", "file", "line", "column", "value", "reason"]
    assert len(rows) == 11


def test_an_uploaded_households_file_names_its_rows_by_the_files_own_name(
    client, world, django_capture_on_commit_callbacks
):
    """The upload is kept under the run's name while it waits; the rows it refuses are named by
    the file the district sent, as on the command line."""
    from liaison.roster.households_csv import TEMPLATE_HEADER

    client.force_login(world.admin)
    row = dict.fromkeys(TEMPLATE_HEADER, "")
    row.update(
        household_id="H1",
        person_id="g1",
        role="guardian",
        given_name="Rosa",
        family_name="Garcia",
        relationship="uncle",
    )
    text = ",".join(TEMPLATE_HEADER) + "\n" + ",".join(row[c] for c in TEMPLATE_HEADER) + "\n"
    upload = SimpleUploadedFile("familias-otono.csv", text.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("roster:imports"), {"kind": "households", "file": upload})
    run = ImportRun.objects.get()
    run_import_task.call(run.pk)
    download = client.get(reverse("roster:run_rejected", args=[run.pk]))
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[1][:4] == ["Row rejected", "familias-otono.csv", "2", "relationship"]


def test_upload_form_says_what_is_wrong_with_the_file(client, world):
    client.force_login(world.admin)
    upload = SimpleUploadedFile("roster.xlsx", b"nope")
    response = client.post(reverse("roster:imports"), {"kind": "oneroster", "file": upload})
    assert response.status_code == 200
    assert "A OneRoster bundle is a .zip file." in response.content.decode()
    assert not ImportRun.objects.exists()


def test_refused_file_shows_one_clear_message(client, world):
    client.force_login(world.admin)
    run = ImportRun.objects.create(
        district=world.district, started_by=world.admin, source_name="x.zip"
    )
    bad = Path(world.district.slug + ".zip")
    try:
        bad.write_bytes(b"not a zip")
        execute(run, bad)
    finally:
        bad.unlink()
    page = client.get(reverse("roster:run", args=[run.pk])).content.decode()
    assert "The file was refused; nothing was changed." in page and "not a ZIP archive" in page


def test_runs_are_for_the_admins_of_their_district_only(client, world):
    run = ImportRun.objects.create(district=world.other_district, source_name="x.zip")
    client.force_login(world.admin)
    assert client.get(reverse("roster:run", args=[run.pk])).status_code == 404
    assert client.get(reverse("roster:run_rejected", args=[run.pk])).status_code == 404
    mine = ImportRun.objects.create(district=world.district, source_name="y.zip")
    client.force_login(world.leader)
    assert client.get(reverse("roster:run", args=[mine.pk])).status_code == 404


def test_admin_activates_an_imported_teacher(client, world):
    # --district: the bundle's district org is this district
    run = import_path(path=DATA / "small", district=world.district)
    assert run.status == "done" and world.district.sites.filter(sourced_id="sch1").exists()
    tran = User.objects.get(sourced_id="t1")
    client.force_login(world.admin)
    page = client.get(reverse("roster:staff")).content.decode()
    assert "Mai Tran" in page and "Teacher @ Alder Elementary" in page
    client.post(reverse("roster:staff_activate", args=[tran.pk]))
    tran.refresh_from_db()
    assert tran.is_active and not tran.has_usable_password()
    assert tran.memberships.filter(is_active=True, role="teacher").exists()
    client.force_login(world.leader)
    assert client.post(reverse("roster:staff_activate", args=[tran.pk])).status_code == 404


def test_admin_merges_and_splits_households(client, world):
    client.force_login(world.admin)
    keep, other = world.site_family, world.other_site_family
    page = client.get(keep.get_absolute_url()).content.decode()
    assert reverse("roster:household_merge", args=[keep.pk]) in page
    client.post(reverse("roster:household_merge", args=[keep.pk]), {"merge": other.pk})
    assert keep.guardians.count() == 2
    other.refresh_from_db()
    assert not other.is_active and other.arranged_by_hand
    moving = other_guardian = Guardian.objects.get(given_name="OthersiteParent")
    response = client.post(
        reverse("roster:household_split", args=[keep.pk]),
        {"name": "Othersite household (2)", "guardians": [moving.pk]},
    )
    new = Household.objects.get(name="Othersite household (2)")
    assert response["Location"] == new.get_absolute_url()
    other_guardian.refresh_from_db()
    assert other_guardian.household == new and new.arranged_by_hand


def test_split_needs_someone_to_move(client, world):
    client.force_login(world.admin)
    household = world.site_family
    response = client.post(reverse("roster:household_split", args=[household.pk]), {"name": "X"})
    assert "Choose at least one person to move." in response.content.decode()


@pytest.mark.parametrize("who", ["leader", "liaison", "teacher"])
def test_only_district_admins_see_the_import_page(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("roster:imports")).status_code == 404


def test_opening_the_split_page_is_logged_as_an_access_to_the_household(client, world):
    from liaison.audit.models import AccessLog

    client.force_login(world.admin)
    client.get(reverse("roster:household_split", args=[world.site_family.pk]))
    assert AccessLog.objects.filter(
        user=world.admin, household_id=world.site_family.pk, kind="household"
    ).exists()


def test_the_report_lists_rejected_rows_apart_from_rows_kept_with_warnings(client, world):
    run = import_path(path=DATA / "broken", district=world.district)
    client.force_login(world.admin)
    page = client.get(reverse("roster:run", args=[run.pk])).content.decode()
    rejected, _, kept = page.partition("Kept with warnings</h2>")
    rejected = rejected.partition("Rejected rows</h2>")[2]
    # rejected whole: the duplicate student row and the class at an unknown school
    assert "duplicate sourcedId" in rejected and "sch404" in rejected
    assert "nadia(at)example.org" not in rejected and "s99" not in rejected
    # kept without the field or link: each with file, line, column, value and reason in words
    assert "<td>users.csv</td><td>11</td><td>email</td><td>nadia(at)example.org</td>" in kept
    assert "not a valid email address; this field was left out" in kept
    assert "<td>users.csv</td><td>13</td><td>agentSourcedIds</td><td>s99</td>" in kept
    assert "<td>demographics.csv</td><td>3</td><td>birthDate</td>" in kept
    assert "duplicate sourcedId" not in kept
    download = client.get(reverse("roster:run_rejected", args=[run.pk]))
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert [r[0] for r in rows[1:]] == ["Row rejected"] * 6 + ["Kept with a warning"] * 4
    assert rows[1:][8][:5] == ["Kept with a warning", "users.csv", "12", "sms", "12"]
    listing = client.get(reverse("roster:imports")).content.decode()
    assert "<td>6</td><td>4</td>" in listing  # rejected rows, warnings
