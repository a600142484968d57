"""The simple households CSV import for centres without a student information system."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from liaison.people.models import Enrolment, Guardian, Household, Student
from liaison.roster.households_csv import TEMPLATE_HEADER

ROWS = [
    [
        "H1",
        "Garcia household",
        "P1",
        "guardian",
        "Rosa",
        "Garcia",
        "mother",
        "Spanish",
        "617-555-0101",
        "rosa@example.org",
        "",
        "",
        "",
        "12 Elm St",
        "",
        "Springfield",
        "MA",
        "01101",
    ],
    [
        "H1",
        "",
        "P2",
        "student",
        "Maya",
        "Garcia",
        "",
        "",
        "",
        "",
        "2021-04-02",
        "PK",
        "Alder Elementary",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "H2",
        "",
        "P3",
        "guardian",
        "Abdi",
        "Warsame",
        "father",
        "SOM",
        "",
        "",
        "",
        "",
        "",
        "4 Oak St",
        "",
        "",
        "",
        "",
    ],
    [
        "H2",
        "",
        "P4",
        "student",
        "Ayan",
        "Warsame",
        "",
        "",
        "",
        "",
        "2022-02-30",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "H3",
        "",
        "P5",
        "guardian",
        "Jean",
        "Pierre",
        "uncle",
        "ht",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
]


def write(path, rows):
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(TEMPLATE_HEADER)
        w.writerows(rows)
    return path


def run(path, district="testville"):
    out = io.StringIO()
    call_command("import_households", str(path), "--district", district, stdout=out)
    return out.getvalue()


def test_households_csv_imports_families_and_reports_bad_rows(world, tmp_path):
    out = run(write(tmp_path / "familias-2026.csv", ROWS))
    rosa = Guardian.objects.get(given_name="Rosa")
    assert rosa.household.name == "Garcia household" and rosa.preferred_language == "es"
    maya = Student.objects.get(given_name="Maya")
    assert maya.household == rosa.household and rosa.students.get() == maya
    assert Enrolment.objects.get(student=maya).site == world.school
    # a malformed birth date is left out with a warning; the child is imported (issue #17)
    # Each row is named by the file it came from, line and column
    assert "warning familias-2026.csv:5 column date_of_birth value '2022-02-30'" in out
    assert Student.objects.get(given_name="Ayan").date_of_birth is None
    assert "REJECTED familias-2026.csv:6 column relationship value 'uncle'" in out
    assert Guardian.objects.get(given_name="Abdi").preferred_language == "so"


def test_households_csv_again_changes_nothing_and_omissions_deactivate(world, tmp_path):
    path = write(tmp_path / "h.csv", ROWS)
    run(path)
    stamps = sorted(Guardian.objects.values_list("pk", "updated_at"))
    assert "created 0, updated 0," in run(path)
    assert sorted(Guardian.objects.values_list("pk", "updated_at")) == stamps
    run(write(path, ROWS[:2]))
    abdi = Guardian.objects.get(given_name="Abdi")
    assert not abdi.is_active and not Household.objects.get(pk=abdi.household_id).is_active


def test_a_file_that_is_not_a_households_csv_is_refused(world, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,phone\nA,1\n")
    with pytest.raises(CommandError, match="not a households CSV"):
        run(path)


def test_a_missing_file_or_a_folder_is_refused_in_words_without_a_traceback(
    world, tmp_path, caplog
):
    with pytest.raises(CommandError, match=r"Refused: There is no file at .*h\.csv\.$"):
        run(tmp_path / "h.csv")
    with pytest.raises(
        CommandError, match=r"Refused: .* is a folder: give the households CSV file itself\.$"
    ):
        run(tmp_path)
    assert [r.exc_info for r in caplog.records if r.exc_info] == []  # no trace in the log either


def test_template_download(client, world):
    client.force_login(world.admin)
    response = client.get(reverse("roster:households_template"))
    assert response.content.decode().startswith(",".join(TEMPLATE_HEADER))


def test_a_malformed_email_or_unknown_site_is_left_out_and_the_family_imported(world, tmp_path):
    rows = [list(r) for r in ROWS[:2]]
    rows[0][9] = "rosa(at)example.org"  # email
    rows[1][11] = "Grade 13"  # grade
    rows[1][12] = "Nowhere Academy"  # site
    out = run(write(tmp_path / "h.csv", rows))
    rosa, maya = Guardian.objects.get(given_name="Rosa"), Student.objects.get(given_name="Maya")
    assert rosa.email == "" and rosa.phone == "+16175550101"
    assert rosa.students.get() == maya and maya.grade == "" and not maya.enrolments.exists()
    assert "rejected 0, warnings 3" in out
    assert "warning h.csv:2 column email value 'rosa(at)example.org'" in out
    assert "warning h.csv:3 column site value 'Nowhere Academy': unknown site" in out


def test_a_quote_left_open_is_refused_naming_its_line_not_swallowing_the_rest(world, tmp_path):
    """A name typed as '"Rosa' opens a quote that nothing closes: the CSV reader reads every line
    after it into that cell. The row is refused in words at its line and column, saying the lines
    after it were not imported, instead of a guardian named with the rest of the file."""
    lines = [",".join(TEMPLATE_HEADER)] + [",".join(row) for row in ROWS]
    lines[1] = lines[1].replace(",Rosa,", ',"Rosa,', 1)
    path = tmp_path / "h.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = run(path)
    assert "REJECTED h.csv:2 column given_name value 'Rosa,Garcia," in out
    assert "holds a line break: a quote opened in this cell is not closed" in out
    assert not Guardian.objects.filter(
        household__district=world.district, given_name__startswith="Rosa"
    ).exists()
