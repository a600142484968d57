"""The hostile-input corpus through the importers: the OneRoster bundle, the households CSV and the
HSDS directory (CSV and JSON). Each hostile value is either stored as the text it is or refused as a
row with the file, line, column and reason; the import never fails, the rest of the file is
imported, and what was stored renders escaped."""

import csv
import io
import json
import shutil
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from liaison.core.validators import strip_bidi_controls
from liaison.people.models import Guardian, Household, Student
from liaison.roster.models import ImportRun
from liaison.roster.services import import_path
from tests.audit import hostile
from tests.audit.test_hostile import assert_safe_response

ROSTER = Path(__file__).resolve().parent.parent / "roster" / "data"
HSDS = Path(__file__).resolve().parent.parent / "resources" / "data"
# Every hostile string, with the NUL byte as a database would be sent it.
PAYLOADS = list(enumerate(hostile.CORPUS))


def as_named(payload: str) -> str:
    """A name is stored as the text it is, less bidi controls (issue #17: they are stripped)."""
    return strip_bidi_controls(payload).strip()


def _append(path: Path, rows: list[list[str]]) -> None:
    with path.open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _users_header(bundle: Path) -> list[str]:
    with (bundle / "users.csv").open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh))


def _user(header, **values) -> list[str]:
    return [values.get(column, "") for column in header]


def hostile_bundle(tmp_path) -> Path:
    """The hand-checked small bundle plus guardians whose names, ids, emails and phones are hostile."""
    bundle = tmp_path / "hostile"
    shutil.copytree(ROSTER / "small", bundle)
    header = _users_header(bundle)
    users, roles = [], []
    for i, payload in PAYLOADS:
        place = {
            "metadata.address": "4 Oak St",
            "metadata.postalCode": "02139",
            "agentSourcedIds": "s3",
            "enabledUser": "true",
        }
        # A hostile name on an ordinary guardian,
        users.append(
            _user(header, sourcedId=f"hn{i}", givenName=payload, familyName="Name", **place)
        )
        # a hostile id,
        users.append(_user(header, sourcedId=payload, givenName=f"Id{i}", familyName="Id", **place))
        # a hostile email and a hostile phone.
        users.append(_user(header, sourcedId=f"he{i}", givenName=f"E{i}", email=payload, **place))
        users.append(_user(header, sourcedId=f"hp{i}", givenName=f"P{i}", sms=payload, **place))
        for sid in (f"hn{i}", payload, f"he{i}", f"hp{i}"):
            roles.append([f"hr-{sid}", "", "", sid, "primary", "parent", "", "", "sch2", ""])
    _append(bundle / "users.csv", users)
    _append(bundle / "roles.csv", roles)
    return bundle


def test_a_oneroster_bundle_with_hostile_people_imports_the_rest(db, tmp_path):
    run = import_path(path=hostile_bundle(tmp_path))
    assert run.status == "done", run.message
    # The hand-checked families are all there.
    assert Student.objects.count() == 3
    assert set(
        Guardian.objects.filter(sourced_id__in=["g1", "g2", "g3", "g4"]).values_list(
            "sourced_id", flat=True
        )
    ) == {"g1", "g2", "g3", "g4"}
    rejected = {(r.line, r.column): r for r in run.rejected_rows.filter(severity="rejected")}
    warned = {(r.line, r.column): r for r in run.rejected_rows.filter(severity="warning")}
    by_column = {}
    for (_line, column), row in warned.items():
        by_column.setdefault(column, []).append(row)
    # No hostile value is a valid email or phone: each is its own warning saying so, and the
    # guardian is kept without it (issue #17: a malformed optional field drops the field).
    assert len(by_column["email"]) == len(hostile.CORPUS)
    assert all("not a valid email" in r.reason for r in by_column["email"])
    assert len(by_column["sms"]) == len(hostile.CORPUS)
    assert all("not a valid phone" in r.reason for r in by_column["sms"])
    kept_email = Guardian.objects.filter(sourced_id__startswith="he")
    assert sorted(kept_email.values_list("email", flat=True)) == [""] * len(hostile.CORPUS)
    kept_phone = Guardian.objects.filter(sourced_id__startswith="hp")
    assert sorted(kept_phone.values_list("phone", flat=True)) == [""] * len(hostile.CORPUS)
    # A hostile name is either kept as the text it is or refused with a reason.
    for i, payload in PAYLOADS:
        kept = Guardian.objects.filter(sourced_id=f"hn{i}").first()
        if kept is None:
            shown = payload.replace("\x00", "\ufffd")[:50].strip()
            assert any(r.value.startswith(shown) for r in rejected.values()), payload
        else:
            assert kept.given_name == as_named(payload)[:100]
    # A hostile id is kept as an opaque key or refused; it never reaches another record.
    for i, payload in PAYLOADS:
        kept = Guardian.objects.filter(given_name=f"Id{i}").first()
        if kept is not None:
            assert kept.sourced_id == payload.strip()
    assert Guardian.objects.filter(given_name__startswith="Id").count() >= 10


def test_hostile_people_from_a_roster_render_escaped(client, db, tmp_path):
    from liaison.people.models import User

    run = import_path(path=hostile_bundle(tmp_path))
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x"))
    hassan = Guardian.objects.get(sourced_id="g3").household
    for url in [
        reverse("people:household", args=[hassan.pk]),
        reverse("people:household_timeline", args=[hassan.pk]),
        reverse("people:caseload"),
        reverse("roster:run", args=[run.pk]),
        reverse("roster:run_rejected", args=[run.pk]),
    ]:
        assert_safe_response(client.get(url), url)
    for guardian in Guardian.objects.filter(household=hassan):
        url = reverse("people:guardian", args=[guardian.pk])
        assert_safe_response(client.get(url), url)
    page = client.get(reverse("people:household", args=[hassan.pk])).content.decode()
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page


def test_a_oneroster_file_that_is_not_utf8_is_refused_and_nothing_changes(db, tmp_path):
    bundle = hostile_bundle(tmp_path)
    with (bundle / "users.csv").open("ab") as fh:
        fh.write(b"hx1,,,true,,,Ren\xe9e,Dupr\xe9,,,,,,s3,,,,,,,,,,,,,,\n")
    with pytest.raises(CommandError, match=r"users\.csv is not UTF-8"):
        call_command("import_oneroster", str(bundle), stdout=io.StringIO())
    assert not Student.objects.exists() and not Guardian.objects.exists()
    assert ImportRun.objects.get().status == "refused"


# --- the households CSV -------------------------------------------------------------------------


def households_csv(path: Path) -> Path:
    from liaison.roster.households_csv import TEMPLATE_HEADER

    def person(**values):
        return [values.get(column, "") for column in TEMPLATE_HEADER]

    rows = [
        person(
            household_id="H1",
            person_id="P1",
            role="guardian",
            given_name="Rosa",
            family_name="Garcia",
            phone="617-555-0101",
        ),
        person(
            household_id="H1",
            person_id="P2",
            role="student",
            given_name="Maya",
            family_name="Garcia",
            date_of_birth="2021-04-02",
        ),
    ]
    for i, payload in PAYLOADS:
        rows += [
            person(
                household_id=f"HX{i}",
                household_name=payload,
                person_id=f"N{i}",
                role="guardian",
                given_name=payload,
                family_name=payload,
                street=payload,
                city=payload,
                relationship="mother",
            ),
            person(
                household_id=payload,
                person_id=payload,
                role="guardian",
                given_name=f"Id{i}",
                family_name="Id",
            ),
            person(
                household_id="H1",
                person_id=f"E{i}",
                role="guardian",
                given_name=f"E{i}",
                family_name="Mail",
                email=payload,
            ),
            person(
                household_id="H1",
                person_id=f"T{i}",
                role="guardian",
                given_name=f"T{i}",
                family_name="Phone",
                phone=payload,
            ),
            person(
                household_id="H1",
                person_id=f"L{i}",
                role="guardian",
                given_name=f"L{i}",
                family_name="Lang",
                preferred_language=payload,
            ),
            person(
                household_id="H1",
                person_id=f"S{i}",
                role="student",
                given_name=f"S{i}",
                family_name="Kid",
                date_of_birth=payload,
                grade=payload,
                site=payload,
            ),
        ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(TEMPLATE_HEADER)
        writer.writerows(rows)
    return path


def run_households(path) -> str:
    out = io.StringIO()
    call_command("import_households", str(path), "--district", "testville", stdout=out)
    return out.getvalue()


def test_a_households_csv_with_hostile_rows_imports_the_rest(client, world, tmp_path):
    out = run_households(households_csv(tmp_path / "households.csv"))
    rosa = Guardian.objects.get(given_name="Rosa", family_name="Garcia")
    assert rosa.phone == "+16175550101"
    assert Student.objects.get(given_name="Maya").household == rosa.household
    assert "REJECTED households.csv" in out
    for i, payload in PAYLOADS:
        # A hostile email, phone, birth date, grade or site is left out of a kept row (issue #17).
        assert Guardian.objects.get(given_name=f"E{i}").email == ""
        assert Guardian.objects.get(given_name=f"T{i}").phone == ""
        # A language is refused or read as a language tag, never stored as typed.
        for guardian in Guardian.objects.filter(given_name=f"L{i}"):
            assert guardian.preferred_language != payload and len(guardian.preferred_language) < 12
        kid = Student.objects.get(given_name=f"S{i}")
        assert (kid.date_of_birth, kid.grade, kid.enrolments.exists()) == (None, "", False)
        named = Guardian.objects.filter(sourced_id=f"csv:testville:N{i}").first()
        if named is not None:
            assert named.given_name == as_named(payload)[:100]
            assert named.household.name == as_named(payload)[:200]
    assert Guardian.objects.filter(sourced_id__startswith="csv:testville:N").count() >= 10
    assert Guardian.objects.filter(given_name__startswith="Id").count() >= 10
    client.force_login(world.admin)
    for household in Household.objects.filter(source_key__startswith="csv:"):
        url = reverse("people:household", args=[household.pk])
        assert_safe_response(client.get(url), url)


def test_a_households_csv_that_is_not_utf8_is_refused_with_one_message(world, tmp_path):
    path = households_csv(tmp_path / "households.csv")
    with path.open("ab") as fh:
        fh.write(b"H9,,P9,guardian,Ren\xe9e,Dupr\xe9,,,,,,,,,,,,\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        run_households(path)
    assert not Guardian.objects.filter(given_name="Rosa").exists()


# --- the HSDS directory -------------------------------------------------------------------------

NS = uuid.UUID("2d7f0b8e-6c55-4d3c-9b0e-7a1f2c3d4e5f")


def _hsds_id(name) -> str:
    return str(uuid.uuid5(NS, name))


def hostile_hsds(tmp_path) -> Path:
    """The hand-checked HSDS sample plus organizations and services with hostile fields."""
    folder = tmp_path / "hsds"
    shutil.copytree(HSDS / "sample", folder)

    def add(name, records):
        path = folder / name
        with path.open(newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        _append(path, [[r.get(c, "") for c in header] for r in records])

    orgs, services = [], []
    for i, payload in PAYLOADS:
        orgs.append(
            {
                "id": _hsds_id(f"org{i}"),
                "name": payload,
                "description": payload,
                "email": payload,
                "website": payload,
            }
        )
        services.append(
            {
                "id": _hsds_id(f"svc{i}"),
                "organization_id": _hsds_id(f"org{i}"),
                "name": payload,
                "description": payload,
                "status": "active",
                "url": payload,
                "email": payload,
            }
        )
        # A hostile id and hostile references are refused as rows.
        services.append(
            {"id": payload, "organization_id": _hsds_id(f"org{i}"), "name": "x", "status": "active"}
        )
        services.append(
            {
                "id": _hsds_id(f"ref{i}"),
                "organization_id": payload,
                "name": "y",
                "status": "active",
                "minimum_age": payload,
            }
        )
    add("organizations.csv", orgs)
    add("services.csv", services)
    return folder


def _hsds_safe(report, sample_services: int):
    from liaison.resources.models import Organization, Service

    assert Service.objects.count() >= sample_services
    for i, payload in PAYLOADS:
        org = Organization.objects.filter(pk=_hsds_id(f"org{i}")).first()
        if org is not None:
            assert org.name == payload.strip() or org.name == payload
        assert not Service.objects.filter(pk=_hsds_id(f"ref{i}")).exists()
    rows = {(p.file, p.row, p.field) for p in report.problems}
    assert len([r for r in rows if r[2] == "id"]) >= len(hostile.CORPUS)
    assert len([r for r in rows if r[2] == "organization_id"]) >= len(hostile.CORPUS)
    assert Service.objects.filter(pk__in=[_hsds_id(f"svc{i}") for i, _ in PAYLOADS]).count() >= 10


def test_an_hsds_package_with_hostile_records_imports_the_rest(client, world, tmp_path):
    from liaison.resources.hsds import importer
    from liaison.resources.models import Service

    report = importer.import_path(hostile_hsds(tmp_path))
    _hsds_safe(report, 6)
    client.force_login(world.liaison)
    for service in Service.objects.all():
        url = reverse("resources:service", args=[service.pk])
        assert_safe_response(client.get(url), url)
    for payload in (hostile.SCRIPT, hostile.SQL, hostile.RTL):
        url = reverse("resources:search")
        assert_safe_response(client.get(url, {"q": payload}), f"search {payload}")


def test_an_hsds_json_document_with_hostile_records_imports_the_rest(db, tmp_path):
    from liaison.resources.hsds import exporter, importer

    importer.import_path(hostile_hsds(tmp_path))
    document = exporter.json_document()
    exported = tmp_path / "directory.json"
    exported.write_text(json.dumps(document), encoding="utf-8")
    for spec in reversed(__import__("liaison.resources.hsds", fromlist=["TABLES"]).TABLES):
        spec.model.objects.all().delete()
    # Hostile values where the JSON form has them: ids, references, numbers that are strings.
    for i, payload in PAYLOADS:
        document["contents"].append(
            {
                "id": payload,
                "name": payload,
                "services": [{"id": payload, "name": payload, "status": "active"}],
            }
        )
        document["contents"].append(
            {
                "id": _hsds_id(f"jorg{i}"),
                "name": payload,
                "services": [
                    {
                        "id": _hsds_id(f"jsvc{i}"),
                        "name": payload,
                        "status": "active",
                        "minimum_age": payload,
                    }
                ],
            }
        )
    hostile_json = tmp_path / "hostile.json"
    hostile_json.write_text(json.dumps(document), encoding="utf-8")
    report = importer.import_path(hostile_json)
    from liaison.resources.models import Organization, Service

    assert Service.objects.count() >= 6
    assert (
        Organization.objects.filter(pk__in=[_hsds_id(f"jorg{i}") for i, _ in PAYLOADS]).count()
        >= 10
    )
    assert {p.field for p in report.problems} >= {"id", "minimum_age"}


def test_an_hsds_file_that_is_not_utf8_is_named_and_the_rest_imports(db, tmp_path):
    from liaison.resources.hsds import importer
    from liaison.resources.models import Organization, Service

    folder = tmp_path / "hsds"
    shutil.copytree(HSDS / "sample", folder)
    (folder / "languages.csv").write_bytes(
        (folder / "languages.csv").read_bytes() + b"\xff\xfe,Fran\xe7ais\n"
    )
    report = importer.import_path(folder)
    assert Service.objects.count() == 6 and Organization.objects.count() == 3
    problem = next(p for p in report.problems if p.file == "languages.csv")
    assert "not UTF-8" in problem.reason


def test_the_hsds_command_names_a_json_file_that_is_not_utf8(db, tmp_path):
    path = tmp_path / "directory.json"
    path.write_bytes(b'{"contents": [{"id": "\xff\xfe", "name": "Caf\xe9"}]}')
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_hsds", str(path), stdout=io.StringIO(), stderr=io.StringIO())
