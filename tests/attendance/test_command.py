"""`liaison import-attendance` as an operator runs it: a file, a corrections file, and the drop
folder a nightly SFTP export fills (files imported oldest first, calendars first, moved away)."""

import datetime as dt
import json
import os
import subprocess
import time

import pytest
from django.core.management import CommandError, call_command

from liaison.attendance.models import AttendanceEvent, AttendanceImport, SchoolDay
from tests.attendance.test_import import TP_HEADER
from tests.processes import LIAISON, call, runner


def test_the_command_imports_a_file_and_lists_refused_rows(school, csv_file, capsys):
    path = csv_file(
        "day.csv",
        TP_HEADER + "alder,s-ana,2026-09-14,Unexcused Absence,\n"
        "alder,s-ana,2026-09-21,Unexcused Absence,\n",
    )
    call_command("import_attendance", str(path), "--district", "testville")
    out = capsys.readouterr().out
    assert "accepted 1, refused 1" in out
    assert "REFUSED day.csv:3 column attendance_event_date value '2026-09-21'" in out
    assert "closed that day (Weather day)" in out


def test_the_command_says_which_district_and_why_a_file_was_refused(school, csv_file):
    with pytest.raises(CommandError, match="Name the district with --district"):
        call_command("import_attendance", str(csv_file("a.csv", "x\n")))
    with pytest.raises(CommandError, match="No district with the short name 'nowhere'"):
        call_command("import_attendance", "a.csv", "--district", "nowhere")
    with pytest.raises(CommandError, match=r"Not imported: a\.csv has no column student_id"):
        call_command(
            "import_attendance",
            str(csv_file("a.csv", "school_id,attendance_event_category\n")),
            "--district",
            "testville",
        )


def test_a_mistyped_path_or_a_folder_is_refused_in_words_without_a_traceback(
    school, tmp_path, caplog
):
    with pytest.raises(CommandError, match=r"Not imported: There is no file at .*day\.csv\.$"):
        call_command("import_attendance", str(tmp_path / "day.csv"), "--district", "testville")
    with pytest.raises(CommandError, match=r"is a folder, not a CSV file: .* add --drop-folder\.$"):
        call_command("import_attendance", str(tmp_path), "--district", "testville")
    assert [r.exc_info for r in caplog.records if r.exc_info] == []  # no trace in the log either
    assert AttendanceEvent.objects.count() == 0


def test_a_corrections_file_from_the_command_keeps_the_rest_of_the_day(school, csv_file):
    call_command(
        "import_attendance",
        str(
            csv_file(
                "day.csv",
                TP_HEADER + "alder,s-ana,2026-09-14,Unexcused Absence,\n"
                "alder,s-bao,2026-09-14,Unexcused Absence,\n",
            )
        ),
        "--district",
        "testville",
    )
    call_command(
        "import_attendance",
        str(csv_file("fix.csv", TP_HEADER + "alder,s-bao,2026-09-14,Excused Absence,Ill\n")),
        "--district",
        "testville",
        "--corrections",
    )
    assert sorted(AttendanceEvent.objects.values_list("student__sourced_id", "category")) == [
        ("s-ana", "unexcused_absence"),
        ("s-bao", "excused_absence"),
    ]


def test_the_drop_folder_imports_calendars_first_and_moves_each_file(school, tmp_path, capsys):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a-events.csv").write_text(TP_HEADER + "alder,s-ana,2026-10-01,Tardy,\n")
    (drop / "b-calendar.csv").write_text(
        "school_id,calendar_date,calendar_events\nalder,2026-10-01,Instructional day\n"
    )
    (drop / "c-broken.csv").write_text("name\n")
    (drop / "notes.txt").write_text("not a csv")
    fresh = drop / "d-still-uploading.csv"
    fresh.write_text(TP_HEADER)
    old = time.time() - 600
    for name in ("a-events.csv", "b-calendar.csv", "c-broken.csv"):
        os.utime(drop / name, (old, old))
    with pytest.raises(CommandError, match="Some files were not imported"):
        call_command("import_attendance", str(drop), "--drop-folder", "--district", "testville")
    out = capsys.readouterr().out
    assert out.index("b-calendar.csv") < out.index("a-events.csv")  # the calendar went first
    assert SchoolDay.objects.filter(date=dt.date(2026, 10, 1)).exists()
    assert AttendanceEvent.objects.get().date == dt.date(2026, 10, 1)
    assert sorted(p.name for p in drop.iterdir()) == [
        "d-still-uploading.csv",
        "done",
        "failed",
        "notes.txt",
    ]
    assert [p.name.endswith("-c-broken.csv") for p in (drop / "failed").iterdir()] == [True]
    assert len(list((drop / "done").iterdir())) == 2
    assert set(AttendanceImport.objects.values_list("source", flat=True)) == {"drop_folder"}
    call_command(
        "import_attendance", str(drop), "--drop-folder", "--district", "testville", "--settle", "0"
    )
    assert not fresh.exists()
    assert "No file waiting." not in capsys.readouterr().out
    call_command("import_attendance", str(drop), "--drop-folder", "--district", "testville")
    assert "No file waiting." in capsys.readouterr().out
    with pytest.raises(CommandError, match="No folder"):
        call_command(
            "import_attendance", str(tmp_path / "none"), "--drop-folder", "--district", "testville"
        )


def setup_data():
    """Run in a subprocess: one school with its September calendar and two enrolled students."""
    from liaison.attendance.models import SchoolDay
    from tests import factories as f

    district = f.DistrictFactory(name="Testville Schools", slug="testville")
    site = f.SiteFactory(district=district, name="Alder Elementary", sourced_id="alder")
    for sourced in ("s-ana", "s-bao"):
        student = f.StudentFactory(household=f.HouseholdFactory(district=district))
        student.sourced_id = sourced
        student.save()
        f.EnrolmentFactory(student=student, site=site, starts_on=dt.date(2026, 8, 1))
    SchoolDay.objects.create(site=site, date=dt.date(2026, 9, 14), school_year=2026)


def report():
    from liaison.attendance.models import AttendanceEvent

    print(json.dumps(list(AttendanceEvent.objects.values_list("student__sourced_id", "category"))))


@pytest.mark.slow
def test_liaison_import_attendance_runs_as_documented(own_database, tmp_path):
    run = runner(own_database, tmp_path)
    subprocess.run([*LIAISON, "migrate", "--no-input", "-v0"], **run)
    module = "tests.attendance.test_command"
    call(module, "setup_data", run)
    day = tmp_path / "2026-09-14.csv"
    day.write_text(
        TP_HEADER + "alder,s-ana,2026-09-14,Unexcused Absence,\nalder,s-bao,2026-09-14,Tardy,\n"
    )
    done = subprocess.run([*LIAISON, "import-attendance", str(day)], **run)
    assert "accepted 2, refused 0" in done.stdout
    fix = tmp_path / "fix.csv"
    fix.write_text(TP_HEADER + "alder,s-ana,2026-09-14,In Attendance,\n")
    subprocess.run([*LIAISON, "import-attendance", str(fix), "--corrections"], **run)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "again.csv").write_text(TP_HEADER + "alder,s-ana,2026-09-14,Excused Absence,\n")
    subprocess.run(
        [*LIAISON, "import-attendance", str(drop), "--drop-folder", "--settle", "0"], **run
    )
    assert json.loads(call(module, "report", run).stdout) == [["s-ana", "excused_absence"]]
    assert [p.name for p in drop.iterdir()] == ["done"]
