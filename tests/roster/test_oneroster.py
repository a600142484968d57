"""The OneRoster import against the hand-checked bundles in tests/roster/data/."""

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from liaison.people.models import (
    ClassSection,
    District,
    Enrolment,
    Guardian,
    GuardianStudent,
    Household,
    Membership,
    Site,
    Student,
    StudentProgramme,
    User,
)
from liaison.people.search import search_households
from liaison.roster.models import ImportRun
from liaison.roster.services import import_path

DATA = Path(__file__).parent / "data"
pytestmark = pytest.mark.django_db


def run_cli(*args) -> str:
    out = io.StringIO()
    call_command("import_oneroster", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def snapshot():
    rows = {}
    for model in (
        District,
        Site,
        Household,
        Guardian,
        Student,
        Enrolment,
        ClassSection,
        GuardianStudent,
        StudentProgramme,
        Membership,
    ):
        rows[model.__name__] = sorted(model.objects.values_list("pk", "updated_at"))
    rows["User"] = sorted(User.objects.values_list("pk", "is_active", "first_name", "email"))
    rows["roster"] = sorted(ClassSection.students.through.objects.values_list("pk"))
    return rows


def test_small_bundle_becomes_the_hand_checked_families():
    run_cli(DATA / "small")
    district = District.objects.get(sourced_id="d1")
    assert district.name == "Riverside Unified"
    assert set(Site.objects.values_list("sourced_id", flat=True)) == {"sch1", "sch2"}
    garcia = Guardian.objects.get(sourced_id="g1").household
    assert set(garcia.guardians.values_list("sourced_id", flat=True)) == {"g1", "g2"}
    assert set(garcia.students.values_list("sourced_id", flat=True)) == {"s1", "s2"}
    assert garcia.street == "12 Elm St" and garcia.home_languages == ["es"]
    # Two Hassan guardians at different addresses: two households; the child lives with the first.
    hodan, ali = Guardian.objects.get(sourced_id="g3"), Guardian.objects.get(sourced_id="g4")
    assert hodan.household_id != ali.household_id
    assert Student.objects.get(sourced_id="s3").household_id == hodan.household_id
    assert Household.objects.count() == 3
    assert hodan.preferred_language == "so" and hodan.relationship == "legal_guardian"
    assert ali.contact_restricted and ali.contact_restriction_reason
    assert Guardian.objects.get(sourced_id="g2").phone == "+16175550102"
    leo = Student.objects.get(sourced_id="s2")
    assert (leo.preferred_name, leo.grade, str(leo.date_of_birth)) == ("Leo", "KG", "2020-11-30")
    assert set(leo.programmes.values_list("programme", flat=True)) == {"iep", "504"}
    # agentSourcedIds in either direction: g2 names only s1, s2 names g2.
    assert set(
        GuardianStudent.objects.filter(guardian__sourced_id="g2").values_list(
            "student__sourced_id", flat=True
        )
    ) == {"s1", "s2"}
    assert Enrolment.objects.get(sourced_id="s2@sch1").starts_on.isoformat() == "2025-09-02"
    # Staff cannot sign in until activated; their roles and classes are there.
    tran = User.objects.get(sourced_id="t1")
    assert not tran.is_active and not tran.has_usable_password() and tran.username == "mtran"
    assert ClassSection.objects.get(sourced_id="c1").teachers.get() == tran
    assert Membership.objects.filter(user=tran, site__sourced_id="sch1", role="teacher").exists()
    assert Membership.objects.filter(user__sourced_id="a1", role="site_leader").exists()
    # Families are findable right away.
    admin = User.objects.create_superuser("root", "root@example.org", "x")
    assert garcia in search_households(admin, "rosa garcia")


def test_importing_the_same_bundle_again_changes_nothing():
    run_cli(DATA / "small")
    before = snapshot()
    out = run_cli(DATA / "small")
    assert snapshot() == before
    assert "created 0, updated 0," in out and "deactivated 0" in out


def test_one_broken_row_in_each_file_is_reported_and_the_rest_imported():
    out = run_cli(DATA / "broken")
    run = ImportRun.objects.get()
    got = {(r.file, r.line, r.column, r.value) for r in run.rejected_rows.all()}
    assert got == {
        ("orgs.csv", 5, "parentSourcedId", "d404"),
        ("academicSessions.csv", 3, "startDate", "2026-13-40"),
        ("roles.csv", 14, "orgSourcedId", "sch404"),
        ("demographics.csv", 3, "birthDate", "30/11/2020"),
        ("users.csv", 11, "email", "nadia(at)example.org"),
        ("users.csv", 12, "sms", "12"),
        ("users.csv", 13, "agentSourcedIds", "s99"),
        ("users.csv", 14, "sourcedId", "s3"),
        ("classes.csv", 4, "schoolSourcedId", "sch404"),
        ("enrollments.csv", 6, "userSourcedId", "s404"),
    }
    reasons = " ".join(run.rejected_rows.values_list("reason", flat=True))
    for words in (
        "not a date",
        "unknown org",
        "missing student for an agent",
        "duplicate sourcedId",
        "not a valid email",
        "not a valid phone",
        "unknown user",
    ):
        assert words in reasons
    # A malformed email, phone or birth date, or a link to an unknown student, is left out with
    # a warning and the rest of its row imported (issue #17); the other rows are rejected whole.
    assert "warning users.csv:13 column agentSourcedIds value 's99'" in out
    assert "REJECTED users.csv:14 column sourcedId value 's3'" in out
    warned = {(r.file, r.line) for r in run.rejected_rows.filter(severity="warning")}
    assert warned == {
        ("demographics.csv", 3),
        ("users.csv", 11),
        ("users.csv", 12),
        ("users.csv", 13),
    }
    # Everything else is in; rejected rows are applied not at all.
    assert Student.objects.count() == 3 and Guardian.objects.count() == 7
    nadia, tuan, jean = (Guardian.objects.get(sourced_id=s) for s in ("g5", "g6", "g7"))
    assert nadia.email == "" and nadia.students.get().sourced_id == "s3"
    assert tuan.phone == "" and tuan.students.get().sourced_id == "s1"
    assert not jean.students.exists()
    assert Student.objects.get(sourced_id="s3").family_name == "Hassan"
    assert Student.objects.get(sourced_id="s2").date_of_birth is None
    assert run.counts["rejected"] == 6 and run.counts["warnings"] == 4


def test_large_imports_read_stored_rows_in_one_pass_with_the_same_result(monkeypatch):
    # A district-sized bundle compares stored rows from one pass over each table: forced here.
    monkeypatch.setattr("liaison.roster.oneroster.store.SCAN_OVER", 0)
    run_cli(DATA / "small")
    before = snapshot()
    out = run_cli(DATA / "small")
    assert snapshot() == before
    assert "created 0, updated 0," in out and "deactivated 0" in out
    run_cli(DATA / "delta")
    assert Guardian.objects.get(sourced_id="g1").email == "rosa.new@example.org"
    assert not Guardian.objects.get(sourced_id="g2").is_active


def test_delta_removes_a_guardian_who_keeps_their_history(client):
    run_cli(DATA / "small")
    jorge = Guardian.objects.get(sourced_id="g2")
    out = run_cli(DATA / "delta")
    jorge.refresh_from_db()
    assert not jorge.is_active  # deactivated, never deleted
    assert jorge.student_links.count() == 2  # the record and its links stay for the history
    assert Guardian.objects.get(sourced_id="g1").email == "rosa.new@example.org"
    leo = Student.objects.get(sourced_id="s2")
    assert not leo.class_sections.exists()
    enrolment = Enrolment.objects.get(sourced_id="s2@sch1")
    assert not enrolment.is_active and enrolment.ends_on is not None
    assert "users.csv:4 column dateLastModified" in out  # a delta row without its date
    admin = User.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(admin)
    page = client.get(jorge.get_absolute_url()).content.decode()
    assert "Jorge Garcia" in page and "Inactive" in page


def test_bulk_omission_deactivates_and_reappearing_reactivates(tmp_path):
    run_cli(DATA / "small")
    bundle = tmp_path / "b"
    shutil.copytree(DATA / "small", bundle)
    users = (bundle / "users.csv").read_text(encoding="utf-8-sig").splitlines()
    (bundle / "users.csv").write_text(
        "\n".join(line for line in users if not line.startswith("g4,")) + "\n", encoding="utf-8"
    )
    out = run_cli(bundle)
    ali = Guardian.objects.get(sourced_id="g4")
    assert not ali.is_active and not ali.household.is_active
    assert "deactivated 1" in out
    run_cli(DATA / "small")
    ali.refresh_from_db()
    assert ali.is_active and ali.household.is_active


def test_local_edits_of_fields_the_sis_does_not_own_survive(tmp_path):
    run_cli(DATA / "small")
    rosa = Guardian.objects.get(sourced_id="g1")
    rosa.preferred_channels = ["email"]
    rosa.time_zone = "America/Chicago"
    rosa.save()
    household = rosa.household
    household.name = "Garcia–Lopez family"
    household.notes = "Prefers afternoon calls."
    household.save()
    bundle = tmp_path / "b"
    shutil.copytree(DATA / "small", bundle)
    text = (bundle / "users.csv").read_text(encoding="utf-8-sig")
    (bundle / "users.csv").write_text(text.replace("rosa.garcia@", "rosa.g@"), encoding="utf-8")
    run_cli(bundle)
    rosa.refresh_from_db()
    household.refresh_from_db()
    assert rosa.email == "rosa.g@example.org"  # the SIS owns the email
    assert rosa.preferred_channels == ["email"] and rosa.time_zone == "America/Chicago"
    assert household.name == "Garcia–Lopez family" and household.notes == "Prefers afternoon calls."


def test_households_merged_by_hand_stay_merged_after_import():
    from liaison.roster.services import merge_households

    run_cli(DATA / "small")
    admin = User.objects.create_superuser("root", "root@example.org", "x")
    keep = Guardian.objects.get(sourced_id="g3").household
    merge = Guardian.objects.get(sourced_id="g4").household
    merge_households(keep=keep, merge=merge, by=admin)
    run_cli(DATA / "small")
    assert Guardian.objects.get(sourced_id="g4").household_id == keep.pk
    assert Household.objects.filter(is_active=True).count() == 2


def test_dry_run_reports_and_changes_nothing():
    out = run_cli(DATA / "broken", "--dry-run")
    assert out.startswith("Dry run (nothing changed)")
    assert "warning users.csv:11 column email" in out  # kept without its email (issue #17)
    assert not Student.objects.exists() and not District.objects.exists()
    run = ImportRun.objects.get()
    assert run.dry_run and run.counts["created"] > 0 and run.rejected_rows.count() == 10


def test_unknown_language_is_reported_and_the_row_applied(tmp_path):
    bundle = tmp_path / "b"
    shutil.copytree(DATA / "small", bundle)
    text = (bundle / "users.csv").read_text(encoding="utf-8-sig")
    (bundle / "users.csv").write_text(
        text.replace(",SOM,4 Oak", ",Qwertyish,4 Oak"), encoding="utf-8"
    )
    out = run_cli(bundle)
    assert (
        "warning users.csv:7 column metadata.preferredLanguage value 'Qwertyish': unknown language"
        in out
    )
    assert Guardian.objects.get(sourced_id="g3").preferred_language == "en"


def test_a_zip_bundle_imports_like_a_folder(tmp_path):
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in (DATA / "small").iterdir():
            z.write(f, f.name)
    run_cli(archive)
    assert Student.objects.count() == 3


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_bytes(b"PK not really a zip"), "not a ZIP archive"),
        (
            lambda p: _bundle(p, {"users.csv": "id,first,last\n1,A,B\n"}),
            "does not have the OneRoster columns",
        ),
        (
            lambda p: _bundle(
                p,
                {
                    "orgs.csv": "sourcedId,status,dateLastModified,name,type\n"
                    "d1,,,Z\xfcrich,district\n"
                },
                encoding="latin-1",
            ),
            "is not UTF-8",
        ),
        (lambda p: _bundle(p, {"readme.txt": "hello"}), "No OneRoster files"),
    ],
    ids=["not-a-zip", "wrong-headers", "wrong-encoding", "no-files"],
)
def test_a_file_that_is_not_oneroster_is_refused_with_one_message(tmp_path, make, message):
    path = tmp_path / "upload.zip"
    make(path)
    with pytest.raises(CommandError, match=message):
        run_cli(path)
    assert not District.objects.exists() and not Student.objects.exists()
    assert ImportRun.objects.get().status == "refused"


def _bundle(path, files, encoding="utf-8"):
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text.encode(encoding))


def test_rejected_rows_download_neutralises_spreadsheet_formulas(tmp_path):
    from liaison.roster.services import rejected_rows_csv

    bundle = tmp_path / "b"
    shutil.copytree(DATA / "small", bundle)
    with (bundle / "users.csv").open("a", encoding="utf-8") as fh:
        fh.write('g8,,,true,,,Evil,Row,,,"=HYPERLINK(""http://x"")",,,s1,,,,,,,,,,,,,,\n')
    with (bundle / "roles.csv").open("a", encoding="utf-8") as fh:
        fh.write("r20,,,g8,primary,parent,,,sch1,\n")
    run = import_path(path=bundle)
    text = rejected_rows_csv(run)
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_a_missing_or_mistyped_mapping_file_refuses_the_import_in_words(tmp_path, settings, caplog):
    settings.LIAISON_ROSTER_MAPPING = str(tmp_path / "mapping.toml")
    with pytest.raises(
        CommandError,
        match=r"Refused: The roster mapping file .*mapping\.toml \(LIAISON_ROSTER_MAPPING\) "
        r"cannot be read: No such file or directory$",
    ):
        run_cli(DATA / "small")
    (tmp_path / "mapping.toml").write_text("[guardian]\npreferred_language = metadata.lang\n")
    with pytest.raises(
        CommandError, match=r"cannot be read: Invalid value \(at line 2, column 22\)$"
    ):
        run_cli(DATA / "small")
    assert [r.exc_info for r in caplog.records if r.exc_info] == []  # no trace in the log
    assert not Guardian.objects.exists()


def test_a_mapping_file_names_other_metadata_columns(tmp_path, settings):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[guardian]\npreferred_language = ["metadata.lang"]\n'
        '[student]\nprogrammes = ["metadata.flags"]\n[programmes]\nmlp = "el"\n'
        '[languages]\nXX1 = "ht"\n'
    )
    settings.LIAISON_ROSTER_MAPPING = str(mapping)
    bundle = tmp_path / "b"
    shutil.copytree(DATA / "small", bundle)
    text = (bundle / "users.csv").read_text(encoding="utf-8-sig")
    text = text.replace("metadata.preferredLanguage", "metadata.lang").replace(
        "metadata.programs", "metadata.flags"
    )
    text = text.replace(",SOM,4 Oak", ",XX1,4 Oak").replace(",,,ELL,", ",,,MLP,")
    (bundle / "users.csv").write_text(text, encoding="utf-8")
    run_cli(bundle)
    assert Guardian.objects.get(sourced_id="g3").preferred_language == "ht"
    assert set(
        Student.objects.get(sourced_id="s1").programmes.values_list("programme", flat=True)
    ) == {"el"}
    # no address columns are mapped now: guardians of one student share a household
    assert (
        Guardian.objects.get(sourced_id="g4").household
        == Guardian.objects.get(sourced_id="g3").household
    )


def test_a_guardian_removed_from_the_sis_keeps_their_messages(client):
    from liaison.messaging.models import Message
    from liaison.messaging.services import record_family_reply

    run_cli(DATA / "small")
    jorge = Guardian.objects.get(sourced_id="g2")
    reply = record_family_reply(guardian=jorge, body="Can we meet on Friday?", channel="sms")
    run_cli(DATA / "delta")  # g2 tobedeleted
    jorge.refresh_from_db()
    assert not jorge.is_active
    assert Message.objects.get(pk=reply.pk).guardian == jorge
    admin = User.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(admin)
    page = client.get(jorge.household.get_absolute_url()).content.decode()
    assert "Jorge Garcia" in page and "Inactive" in page
    timeline = client.get(reverse("people:household_timeline", args=[jorge.household_id]))
    assert "Can we meet on Friday?" in timeline.content.decode()


# -- issue #17: rows are rejected field by field, not row by row ---------------------------------
def _bundle_with(tmp_path, changes=None, users=(), roles=()) -> Path:
    """The small bundle with some users' columns changed and users (with their role) added."""
    bundle = tmp_path / "b"
    shutil.copytree(DATA / "small", bundle)
    with (bundle / "users.csv").open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    for row in rows:
        row.update((changes or {}).get(row["sourcedId"], {}))
    with (bundle / "users.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, restval="")
        writer.writeheader()
        writer.writerows([*rows, *({"enabledUser": "true", **u} for u in users)])
    with (bundle / "roles.csv").open("a", encoding="utf-8", newline="") as fh:
        for user, role, org in roles:
            csv.writer(fh).writerow([f"r-{user}", "", "", user, "primary", role, "", "", org, ""])
    return bundle


def _links():
    return set(GuardianStudent.objects.values_list("guardian__sourced_id", "student__sourced_id"))


def test_bad_email_unknown_link_and_leaving_student_keep_every_valid_person_and_link(tmp_path):
    bundle = _bundle_with(
        tmp_path,
        changes={
            "g1": {"email": "rosa(at)example.org"},  # line 5
            "g3": {"agentSourcedIds": "s3,s404"},  # line 7
            "s2": {"grades": "K9"},  # line 3
        },
        users=[
            {
                "sourcedId": "s9",
                "status": "tobedeleted",
                "givenName": "Tomas",
                "familyName": "Garcia",
                "agentSourcedIds": "g1,g2",
                "grades": "05",
                "primaryOrgSourcedId": "sch1",
            }
        ],
        roles=[("s9", "student", "sch1")],
    )
    run = import_path(path=bundle)
    assert run.status == "done" and run.counts["rejected"] == 0
    # Every valid person and link is imported; Rosa is kept without her email.
    rosa = Guardian.objects.get(sourced_id="g1")
    assert rosa.email == "" and rosa.given_name == "Rosa" and rosa.is_active
    assert _links() == {
        ("g1", "s1"),
        ("g1", "s2"),
        ("g2", "s1"),
        ("g2", "s2"),
        ("g3", "s3"),
        ("g4", "s3"),
    }
    assert Student.objects.get(sourced_id="s2").grade == ""
    # The leaving student forms no household and joins none: the households are the families'.
    assert not Student.objects.filter(sourced_id="s9").exists()
    assert Household.objects.count() == 3 and not Household.objects.filter(is_active=False)
    assert set(rosa.household.students.values_list("sourced_id", flat=True)) == {"s1", "s2"}
    # The report lists each dropped field and link with its reason, as kept rows.
    warned = {
        (r.file, r.line, r.column, r.value): r.reason
        for r in run.rejected_rows.filter(severity="warning")
    }
    assert set(warned) == {
        ("users.csv", 5, "email", "rosa(at)example.org"),
        ("users.csv", 7, "agentSourcedIds", "s404"),
        ("users.csv", 3, "grades", "K9"),
    }
    assert "not a valid email address" in warned["users.csv", 5, "email", "rosa(at)example.org"]
    assert "no student with this sourcedId" in warned["users.csv", 7, "agentSourcedIds", "s404"]
    assert all("was left out and the rest of the row imported" in r for r in warned.values())


def test_a_malformed_field_leaves_the_stored_value_and_the_rest_of_the_row_updates(tmp_path):
    run_cli(DATA / "small")
    bundle = _bundle_with(
        tmp_path,
        changes={
            "g1": {"email": "rosa@", "givenName": "Rosa María"},
            "g2": {"sms": "12", "givenName": "Jorge Luis"},
        },
    )
    out = run_cli(bundle)
    rosa, jorge = Guardian.objects.get(sourced_id="g1"), Guardian.objects.get(sourced_id="g2")
    assert (rosa.given_name, rosa.email) == ("Rosa María", "rosa.garcia@example.org")
    assert (jorge.given_name, jorge.phone) == ("Jorge Luis", "+16175550102")
    assert "warning users.csv:6 column sms value '12': not a valid phone number" in out
    assert "rejected 0," in out


def test_a_link_to_a_rejected_student_is_left_out_and_says_why(tmp_path):
    bundle = _bundle_with(tmp_path, changes={"s3": {"givenName": "", "familyName": ""}})
    out = run_cli(bundle)
    assert "REJECTED users.csv:4 column givenName value '': a user needs a name" in out
    hodan = Guardian.objects.get(sourced_id="g3")
    assert hodan.is_active and not hodan.students.exists()
    assert (
        "warning users.csv:7 column agentSourcedIds value 's3': missing student for an agent: "
        "the row of this student (users.csv line 4) was rejected" in out
    )
    assert Guardian.objects.filter(sourced_id__in=["g3", "g4"], is_active=True).count() == 2


def test_a_tobedeleted_student_does_not_join_two_guardians_into_one_household(tmp_path):
    bundle = _bundle_with(
        tmp_path,
        users=[
            {  # at the Garcias' address, linked only to a student who is leaving
                "sourcedId": "g8",
                "givenName": "Elena",
                "familyName": "Ruiz",
                "agentSourcedIds": "s9",
                "metadata.address": "12 Elm St",
                "metadata.postalCode": "02139",
            },
            {
                "sourcedId": "s9",
                "status": "tobedeleted",
                "givenName": "Tomas",
                "familyName": "Garcia",
                "agentSourcedIds": "g1",
                "primaryOrgSourcedId": "sch1",
            },
        ],
        roles=[("g8", "parent", "sch1"), ("s9", "student", "sch1")],
    )
    run_cli(bundle)
    elena, rosa = Guardian.objects.get(sourced_id="g8"), Guardian.objects.get(sourced_id="g1")
    assert elena.household_id != rosa.household_id
    assert set(rosa.household.guardians.values_list("sourced_id", flat=True)) == {"g1", "g2"}


def test_a_tobedeleted_guardian_does_not_keep_their_household_for_others(tmp_path):
    run_cli(DATA / "small")
    ali = Guardian.objects.get(sourced_id="g4")
    bundle = _bundle_with(
        tmp_path,
        changes={"g4": {"status": "tobedeleted"}},
        users=[
            {  # Ali's address and Amina's guardian: would join Ali's household through her
                "sourcedId": "g0",
                "givenName": "Faduma",
                "familyName": "Hassan",
                "agentSourcedIds": "s3",
                "metadata.address": "9 Pine St",
                "metadata.postalCode": "02140",
            }
        ],
        roles=[("g0", "parent", "sch2")],
    )
    run_cli(bundle)
    ali.refresh_from_db()
    faduma = Guardian.objects.get(sourced_id="g0")
    assert not ali.is_active and not ali.household.is_active
    assert faduma.household_id != ali.household_id and faduma.household.is_active


def test_a_zip_with_its_files_in_one_top_level_folder_imports_like_the_files_at_the_root(
    tmp_path,
):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("export/", "")
        for f in (DATA / "small").iterdir():
            z.write(f, f"export/{f.name}")
            z.writestr(f"__MACOSX/export/._{f.name}", b"\x00\x05\x16\x07")  # Finder's extras
    run_cli(archive)
    by_zip = snapshot()
    assert Student.objects.count() == 3 and Household.objects.count() == 3
    assert ImportRun.objects.get().counts["rejected"] == 0
    out = run_cli(DATA / "small")  # the same files as a folder: nothing left to change
    assert "created 0, updated 0," in out and snapshot() == by_zip


def test_an_unknown_or_rejected_org_is_left_out_of_a_person_who_is_imported(tmp_path):
    bundle = _bundle_with(tmp_path, changes={"g4": {"primaryOrgSourcedId": "sch9"}})
    with (bundle / "orgs.csv").open("a", encoding="utf-8") as fh:
        fh.write("sch9,,,Nowhere Academy,school,NOW,d404\n")  # line 5: its parent is unknown
    out = run_cli(bundle)
    assert "REJECTED orgs.csv:5 column parentSourcedId value 'd404'" in out
    assert (
        "warning users.csv:8 column primaryOrgSourcedId value 'sch9': unknown org; its own row "
        "(orgs.csv line 5) was rejected; this link was left out" in out
    )
    ali = Guardian.objects.get(sourced_id="g4")
    assert ali.is_active and ali.students.get().sourced_id == "s3"
    assert ali.household.district.sourced_id == "d1"  # from the org roles.csv gives
