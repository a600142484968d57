"""HSDS 3.0 in and out: round trips, precise row-level problems, schema-valid JSON."""

import csv
import json

import pytest

from liaison.resources.hsds import TABLES, exporter, importer, schema
from liaison.resources.models import Location, Organization, Service
from tests.resources.conftest import DATA, sample_id


def snapshot() -> dict:
    """The directory as HSDS sees it: every table's rows, in id order."""
    out = {}
    for spec in TABLES:
        _, rows = exporter.table_rows(spec)
        out[spec.name] = list(rows)
    return out


def wipe():
    for spec in reversed(TABLES):
        spec.model.objects.all().delete()


def test_csv_round_trip_gives_the_same_directory(directory, tmp_path):
    before = snapshot()
    assert len(before["service"]) == 6 and len(before["attribute"]) == 7
    exporter.write_csv(tmp_path / "out.zip")
    wipe()
    report = importer.import_path(tmp_path / "out.zip")
    assert report.problems == []
    assert snapshot() == before


def test_json_round_trip_gives_the_same_directory(directory, tmp_path):
    before = snapshot()
    exporter.write_json(tmp_path / "out.json")
    wipe()
    report = importer.import_path(tmp_path / "out.json")
    assert report.problems == []
    assert snapshot() == before


def test_import_of_its_own_export_changes_nothing(directory, tmp_path):
    before = snapshot()
    exporter.write_csv(tmp_path / "out")
    report = importer.import_path(tmp_path / "out")
    assert report.counts["service"] == {"created": 0, "updated": 6}
    assert snapshot() == before


def test_exported_json_validates_against_the_hsds_schemas(directory):
    document = exporter.json_document()
    assert document["contents"]
    for organization in document["contents"]:
        assert schema.errors("organization", organization) == []
        for service in organization.get("services", []):
            assert schema.errors("service", service) == []
    for term in document["taxonomy_terms"]:
        assert schema.errors("taxonomy_term", term) == []


def test_schema_validation_catches_a_bad_record():
    assert schema.errors("service", {"id": "not-a-uuid", "name": "X", "status": "open"})


def test_reimport_updates_by_id_and_keeps_local_notes(directory, sample_dir):
    pantry = Service.objects.get(pk=sample_id("svc-pantry"))
    pantry.local_notes = "Ask for Maria at the door."
    pantry.save()
    rows = list(csv.DictReader((sample_dir / "services.csv").open(newline="")))
    rows[0]["description"] = "Groceries every Tuesday and Thursday."
    with (sample_dir / "services.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=rows[0].keys())
        writer.writeheader()
        writer.writerows(rows)
    importer.import_path(sample_dir)
    pantry.refresh_from_db()
    assert pantry.description == "Groceries every Tuesday and Thursday."
    assert pantry.local_notes == "Ask for Maria at the door."
    assert Service.objects.count() == 6


def _edit_csv(path, row_index, **changes):
    rows = list(csv.DictReader(path.open(newline="")))
    rows[row_index].update(changes)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=rows[0].keys())
        writer.writeheader()
        writer.writerows(rows)


def test_malformed_rows_are_reported_precisely_and_the_rest_imports(db, sample_dir):
    _edit_csv(sample_dir / "locations.csv", 1, latitude="142.37")  # row 3
    _edit_csv(sample_dir / "attributes.csv", 2, taxonomy_term_id=str(sample_id("term-nope")))
    _edit_csv(sample_dir / "service_at_location.csv", 3, service_id=str(sample_id("svc-missing")))
    _edit_csv(sample_dir / "services.csv", 4, minimum_age="five")  # counseling, row 6
    report = importer.import_path(sample_dir)
    found = {(p.file, p.row, p.field): p for p in report.problems}
    coords = found[("locations.csv", "3", "latitude")]
    assert coords.value == "142.37" and "bad coordinates" in coords.reason
    assert coords.severity == importer.WARNING
    term = found[("attributes.csv", "4", "taxonomy_term_id")]
    assert term.value == str(sample_id("term-nope")) and "unknown taxonomy" in term.reason
    broken = found[("service_at_location.csv", "5", "service_id")]
    assert "broken reference" in broken.reason and broken.severity == importer.ERROR
    age = found[("services.csv", "6", "minimum_age")]
    assert age.value == "five" and age.reason == "not a whole number"
    # What belonged to the rejected counseling service is left out too, and says why.
    orphans = [p for p in report.problems if "was not imported" in p.reason]
    assert {p.file for p in orphans} == {
        "phones.csv",
        "schedules.csv",
        "languages.csv",
        "cost_options.csv",
        "service_at_location.csv",
        "attributes.csv",
    }
    assert all(p.severity == importer.ERROR for p in orphans)
    # ... and the rest imports.
    assert Service.objects.count() == 5
    eastside = Location.objects.get(pk=sample_id("loc-eastside"))
    assert eastside.latitude is None and eastside.name == "Eastside Health Center"
    assert Organization.objects.count() == 3


def test_the_official_example_package_imports_with_its_flaws_reported(db):
    report = importer.import_path(DATA / "official")
    reasons = {(p.file, p.field): p.reason for p in report.problems}
    assert "bad coordinates" in reasons[("locations.csv", "latitude")]
    assert "unknown taxonomy" in reasons[("taxonomy_terms.csv", "taxonomy_id")]
    assert "broken reference" in reasons[("organizations.csv", "parent_organization_id")]
    assert "broken reference" in reasons[("attributes.csv", "link_id")]
    assert "contacts.csv" in report.skipped_files
    service = Service.objects.get(name="Community Counselling")
    assert service.minimum_age == 12 and service.languages.get().code == "ur"


@pytest.mark.parametrize(
    "name", ["service_full.json", "organization_full.json", "service_at_location_full.json"]
)
def test_the_official_json_examples_import(db, name):
    report = importer.import_path(DATA / "official-json" / name)
    assert Service.objects.filter(name="Community Counselling").exists()
    assert not report.errors or all(p.field in ("link_id",) for p in report.errors)


def test_import_command_prints_problems(db, tmp_path, capsys):
    from django.core.management import call_command

    call_command("import_hsds", str(DATA / "official"))
    captured = capsys.readouterr()
    assert "locations.csv row 2, latitude='100'" in captured.err
    call_command("export_hsds", str(tmp_path / "out.json"))
    assert json.loads((tmp_path / "out.json").read_text())["contents"]


def test_the_commands_refuse_a_path_they_cannot_use_in_words(db, tmp_path):
    from django.core.management import CommandError, call_command

    damaged = tmp_path / "directory.zip"
    damaged.write_bytes(b"PK\x03\x04 cut short in the download")
    lone = tmp_path / "services.csv"  # one file of a package, not the package
    lone.write_text("id,organization_id,name\n1,2,Food pantry\n")
    with pytest.raises(
        CommandError, match=r"directory\.zip is not a ZIP archive, or a damaged one$"
    ):
        call_command("import_hsds", str(damaged))
    with pytest.raises(
        CommandError,
        match=r"services\.csv is not JSON \(line 1, column 1: .*\); give a data package folder",
    ):
        call_command("import_hsds", str(lone))
    with pytest.raises(CommandError, match=r"there is no file or folder at .*gone\.zip$"):
        call_command("import_hsds", str(tmp_path / "gone.zip"))
    with pytest.raises(CommandError, match=r"The folder .*nowhere does not exist\.$"):
        call_command("export_hsds", str(tmp_path / "nowhere" / "directory.zip"))
    assert not Service.objects.exists()
