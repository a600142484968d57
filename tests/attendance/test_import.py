"""Importing attendance events and calendars: Ed-Fi and TalkingPoints columns, a day replaced by its
re-import, late corrections, refused rows named by file, line, column and reason, nothing else lost."""

import datetime as dt
import threading

import pytest

from liaison.attendance import files
from liaison.attendance.choices import Category, ImportMode, ImportStatus
from liaison.attendance.imports import import_file
from liaison.attendance.models import AttendanceEvent, AttendanceImport, SchoolDay
from liaison.attendance.signals import day_imported
from liaison.attendance.templates_csv import CALENDAR_TEMPLATE, EVENTS_TEMPLATE
from tests import factories as f

TP_HEADER = (
    "school_id,student_id,attendance_event_date,attendance_event_category,attendance_event_reason\n"
)
EDFI_HEADER = (
    "schoolId,studentUniqueId,eventDate,attendanceEventCategoryDescriptor,"
    "attendanceEventReason,eventDuration\n"
)


def _events(student=None):
    rows = AttendanceEvent.objects.order_by("date", "student__sourced_id", "category")
    if student is not None:
        rows = rows.filter(student=student)
    return [(e.student.sourced_id, e.date.isoformat(), e.category) for e in rows]


def test_talkingpoints_file_stores_the_absences_and_reasons(school, csv_file):
    path = csv_file(
        "2026-09-14.csv",
        TP_HEADER + "alder,s-ana,2026-09-14,Unexcused Absence,\n"
        "alder,s-bao,2026-09-14,Excused Absence,Illness\n"
        "Birch Middle,s-omar,09/14/2026,Tardy,Bus late\n",
    )
    batch = import_file(district=school.world.district, path=path)
    assert (batch.status, batch.kind, batch.rows_read, batch.rows_saved) == (
        ImportStatus.DONE,
        "events",
        3,
        3,
    )
    assert _events() == [
        ("s-ana", "2026-09-14", Category.UNEXCUSED_ABSENCE),
        ("s-bao", "2026-09-14", Category.EXCUSED_ABSENCE),
        ("s-omar", "2026-09-14", Category.TARDY),
    ]
    assert AttendanceEvent.objects.get(student=school.bao).reason == "Illness"
    assert all(e.batch == batch for e in AttendanceEvent.objects.all())


def test_ed_fi_file_with_descriptor_uris_durations_and_present_rows(school, csv_file):
    uri = "uri://ed-fi.org/AttendanceEventCategoryDescriptor#"
    path = csv_file(
        "edfi.csv",
        EDFI_HEADER + f"alder,s-ana,2026-09-15,{uri}Early departure,Appointment,0.5\n"
        f"alder,s-bao,2026-09-15,{uri}In Attendance,,\n"
        "alder,s-cali,2026-09-15,Partial,,0.25\n",
    )
    batch = import_file(district=school.world.district, path=path)
    assert batch.rows_saved == 3 and batch.rows_refused == 0
    # a day present is the absence of a row
    assert _events() == [
        ("s-ana", "2026-09-15", Category.EARLY_DEPARTURE),
        ("s-cali", "2026-09-15", Category.PARTIAL),
    ]
    assert str(AttendanceEvent.objects.get(student=school.ana).duration) == "0.50"


def test_reimporting_a_day_replaces_that_day_and_keeps_the_others(school, csv_file):
    district = school.world.district
    import_file(
        district=district,
        path=csv_file(
            "a.csv",
            TP_HEADER + "alder,s-ana,2026-09-14,Unexcused Absence,\n"
            "alder,s-bao,2026-09-14,Unexcused Absence,\n"
            "alder,s-bao,2026-09-15,Unexcused Absence,\n"
            "birch,s-omar,2026-09-14,Unexcused Absence,\n",
        ),
    )
    # The school's system re-sends the 14th at Alder: Ana's absence was a mistake, Bao was excused.
    again = import_file(
        district=district,
        path=csv_file("b.csv", TP_HEADER + "alder,s-bao,2026-09-14,Excused Absence,Illness\n"),
    )
    assert _events() == [
        ("s-bao", "2026-09-14", Category.EXCUSED_ABSENCE),
        ("s-omar", "2026-09-14", Category.UNEXCUSED_ABSENCE),
        ("s-bao", "2026-09-15", Category.UNEXCUSED_ABSENCE),
    ]
    assert again.days_replaced == [f"{school.world.school.pk}:2026-09-14"]


def test_a_late_correction_replaces_only_the_students_it_lists(school, csv_file):
    district = school.world.district
    import_file(
        district=district,
        path=csv_file(
            "a.csv",
            TP_HEADER + "alder,s-ana,2026-09-14,Unexcused Absence,\n"
            "alder,s-bao,2026-09-14,Unexcused Absence,\n",
        ),
    )
    received = []
    day_imported.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t-corr")
    try:
        batch = import_file(
            district=district,
            mode=ImportMode.CORRECTIONS,
            path=csv_file("fix.csv", TP_HEADER + "alder,s-ana,2026-09-14,In Attendance,\n"),
        )
    finally:
        day_imported.disconnect(dispatch_uid="t-corr")
    assert batch.status == ImportStatus.DONE
    assert _events() == [("s-bao", "2026-09-14", Category.UNEXCUSED_ABSENCE)]
    assert received[0]["student_ids"] == {school.ana.pk}
    assert received[0]["days"] == {dt.date(2026, 9, 14)}


def test_the_import_names_the_days_and_students_it_changed(school, csv_file):
    district = school.world.district
    import_file(
        district=district,
        path=csv_file("a.csv", TP_HEADER + "alder,s-ana,2026-09-14,Unexcused Absence,\n"),
    )
    received = []
    day_imported.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t-names")
    try:
        batch = import_file(
            district=district,
            path=csv_file("b.csv", TP_HEADER + "alder,s-bao,2026-09-14,Tardy,\n"),
        )
    finally:
        day_imported.disconnect(dispatch_uid="t-names")
    (sent,) = received
    # Ana's absence went with the replaced day: her measures change too.
    assert sent["student_ids"] == {school.ana.pk, school.bao.pk}
    assert sent["site_ids"] == {school.world.school.pk}
    assert sent["district"] == district and sent["batch"] == batch


@pytest.mark.parametrize("read_once", [False, True], ids=["small file", "large file"])
def test_refused_rows_say_file_line_column_and_reason_and_the_rest_is_imported(
    school, csv_file, monkeypatch, read_once
):
    if read_once:  # a large file loads the whole district rather than the students it names
        monkeypatch.setattr(files, "SMALL_FILE", 0)
    foreign = school.world.foreign_family.students.get()
    foreign.sourced_id = "s-foreign"
    foreign.save()
    late = f.StudentFactory(household=school.world.site_family, sourced_id="s-late")
    f.EnrolmentFactory(student=late, site=school.world.school, starts_on=dt.date(2026, 9, 20))
    path = csv_file(
        "day.csv",
        TP_HEADER + "alder,s-ana,2026-09-14,Unexcused Absence,\n"  # line 2: fine
        "nowhere,s-bao,2026-09-14,Unexcused Absence,\n"  # 3: unknown school
        "alder,s-zzz,2026-09-14,Unexcused Absence,\n"  # 4: unknown student
        "alder,s-foreign,2026-09-14,Unexcused Absence,\n"  # 5: another district's student
        "alder,s-bao,14.09.2026,Unexcused Absence,\n"  # 6: not a date
        "alder,s-bao,2026-09-21,Unexcused Absence,\n"  # 7: closure
        "alder,s-bao,2026-10-01,Unexcused Absence,\n"  # 8: not in the calendar
        "alder,s-bao,2026-09-14,Skipped,\n"  # 9: unknown category
        "birch,s-bao,2026-09-14,Unexcused Absence,\n"  # 10: not enrolled there
        "alder,s-late,2026-09-14,Unexcused Absence,\n"  # 11: enrolled later
        "alder,s-ana,2026-09-14,Unexcused Absence,\n"  # 12: repeats line 2
        "alder,s-bao,2099-09-14,Unexcused Absence,\n"  # 13: future
        "alder,s-cali,2026-09-14,Tardy,\n",  # 14: fine
    )
    batch = import_file(district=school.world.district, path=path)
    assert batch.status == ImportStatus.DONE_WITH_ERRORS
    assert (batch.rows_read, batch.rows_saved, batch.rows_refused) == (13, 2, 11)
    got = [(e["file"], e["line"], e["column"], e["value"]) for e in batch.errors]
    assert got == [
        ("day.csv", 3, "school_id", "nowhere"),
        ("day.csv", 4, "student_id", "s-zzz"),
        ("day.csv", 5, "student_id", "s-foreign"),
        ("day.csv", 6, "attendance_event_date", "14.09.2026"),
        ("day.csv", 7, "attendance_event_date", "2026-09-21"),
        ("day.csv", 8, "attendance_event_date", "2026-10-01"),
        ("day.csv", 9, "attendance_event_category", "Skipped"),
        ("day.csv", 10, "student_id", "s-bao"),
        ("day.csv", 11, "student_id", "s-late"),
        ("day.csv", 12, "attendance_event_category", "Unexcused Absence"),
        ("day.csv", 13, "attendance_event_date", "2099-09-14"),
    ]
    reasons = [e["reason"] for e in batch.errors]
    assert reasons[0] == "no school of this district has this id or name"
    assert reasons[4] == "Alder Elementary was closed that day (Weather day)"
    assert "import the school calendar first" in reasons[5]
    assert "Excused Absence" in reasons[6]
    assert reasons[7] == "the student was not enrolled at Birch Middle on that date"
    assert reasons[9] == "repeats line 2 (same student, school, date and category)"
    assert _events() == [
        ("s-ana", "2026-09-14", Category.UNEXCUSED_ABSENCE),
        ("s-cali", "2026-09-14", Category.TARDY),
    ]


def test_a_row_that_stops_short_is_read_for_what_it_has_not_as_an_unknown_student(school, csv_file):
    """A spreadsheet drops an empty last cell; a row cut short lacks its date. The student is
    known either way: the first row is imported, the second refused for its missing date."""
    path = csv_file(
        "day.csv",
        TP_HEADER + "alder,s-bao,2026-09-14,Excused Absence\n"  # no reason, no comma for it
        "alder,s-ana\n",
    )
    batch = import_file(district=school.world.district, path=path)
    assert (batch.rows_read, batch.rows_saved, batch.rows_refused) == (2, 1, 1)
    assert [(e["line"], e["column"], e["value"], e["reason"]) for e in batch.errors] == [
        (3, "attendance_event_date", "", "not a date: write it as 2026-09-14")
    ]
    assert _events() == [("s-bao", "2026-09-14", Category.EXCUSED_ABSENCE)]


def test_a_quote_left_open_names_the_lines_it_swallowed(school, csv_file):
    """A reason opened with a quote and not closed makes the CSV reader read on to the next
    quote, or to the end of the file: the lines it swallowed are not silently lost inside one
    reason, the row is refused naming them, and what follows the closing quote is imported."""
    path = csv_file(
        "day.csv",
        TP_HEADER + "alder,s-ana,2026-09-14,Excused Absence,Doctor\n"  # line 2
        'alder,s-bao,2026-09-14,Excused Absence,"Dentist (half day\n'  # 3: the quote opens
        "alder,s-cali,2026-09-14,Unexcused Absence,\n"  # 4: read into line 3's reason
        'alder,s-ana,2026-09-15,Tardy,Bus" late\n'  # 5: the next quote closes it
        "alder,s-cali,2026-09-15,Tardy,\n",  # 6
    )
    batch = import_file(district=school.world.district, path=path)
    assert (batch.rows_read, batch.rows_saved, batch.rows_refused) == (3, 2, 1)
    [error] = batch.errors
    assert (error["line"], error["column"], error["value"]) == (
        3,
        "attendance_event_reason",
        "Dentist (half day…",
    )
    assert "closed only on line 5, or never: lines 3 to 5" in error["reason"]
    assert _events() == [
        ("s-ana", "2026-09-14", Category.EXCUSED_ABSENCE),
        ("s-cali", "2026-09-15", Category.TARDY),
    ]


def test_a_reason_written_on_two_lines_is_a_reason_like_any_other(school, csv_file):
    path = csv_file(
        "day.csv",
        TP_HEADER + 'alder,s-bao,2026-09-14,Excused Absence,"Dentist\nthen the bus, late"\n'
        "alder,s-cali,2026-09-14,Unexcused Absence,\n",
    )
    batch = import_file(district=school.world.district, path=path)
    assert (batch.rows_read, batch.rows_saved, batch.rows_refused) == (2, 2, 0)
    assert AttendanceEvent.objects.get(student=school.bao).reason == "Dentist\nthen the bus, late"


def test_a_quote_never_closed_refuses_its_row_to_the_end_of_the_file(school, csv_file):
    path = csv_file(
        "day.csv",
        TP_HEADER + 'alder,s-bao,2026-09-14,Excused Absence,"Dentist\n'
        "alder,s-cali,2026-09-14,Unexcused Absence,\n",
    )
    batch = import_file(district=school.world.district, path=path)
    assert (batch.rows_read, batch.rows_saved, batch.rows_refused) == (1, 0, 1)
    assert "lines 2 to 3 were read as this one cell" in batch.errors[0]["reason"]
    assert _events() == []


def test_a_file_without_a_required_column_is_refused_whole(school, csv_file):
    path = csv_file(
        "day.csv",
        "school_id,attendance_event_date,attendance_event_category\n"
        "alder,2026-09-14,Unexcused Absence\n",
    )
    batch = import_file(district=school.world.district, path=path)
    assert batch.status == ImportStatus.FAILED
    assert batch.message == "day.csv has no column student_id."
    assert not AttendanceEvent.objects.exists()


def test_a_file_that_is_neither_events_nor_a_calendar_is_refused(school, csv_file):
    batch = import_file(district=school.world.district, path=csv_file("x.csv", "name,phone\n"))
    assert batch.status == ImportStatus.FAILED
    assert "neither attendance events" in batch.message


def test_a_file_that_is_not_utf8_changes_nothing(school, csv_file):
    path = csv_file(
        "day.csv",
        TP_HEADER
        + "alder,s-ana,2026-09-14,Unexcused Absence,\n" * 1
        + "alder,s-bao,2026-09-14,Excused Absence,Enfermé\n",
        encoding="latin-1",
    )
    batch = import_file(district=school.world.district, path=path)
    assert batch.status == ImportStatus.FAILED
    assert "not UTF-8" in batch.message
    assert not AttendanceEvent.objects.exists()


def test_calendar_file_adds_school_days_and_closures_and_a_reimport_changes_them(school, csv_file):
    district = school.world.district
    path = csv_file(
        "calendar.csv",
        "school_id,calendar_date,calendar_events,school_year_id\n"
        "alder,2026-10-01,Instructional day,2027\n"
        "alder,2026-10-02,Student late arrival/early dismissal,2027\n"
        "alder,2026-10-12,Holiday,2027\n"
        "alder,2026-10-13,Weather day;Make-up day,2027\n"
        "alder,2026-10-14,Snow,2027\n",
    )
    batch = import_file(district=district, path=path)
    assert batch.kind == "calendar" and batch.rows_saved == 4
    assert batch.errors[0]["line"] == 6 and batch.errors[0]["column"] == "calendar_events"
    october = SchoolDay.objects.filter(site=school.world.school, date__month=10).order_by("date")
    assert [(d.date.day, d.is_instructional, d.note, d.school_year) for d in october] == [
        (1, True, "", 2026),
        (2, True, "", 2026),
        (12, False, "Holiday", 2026),
        (13, False, "Weather day", 2026),
    ]
    again = import_file(
        district=district,
        path=csv_file(
            "calendar2.csv",
            "schoolId,date,calendarEventDescriptor,note\n"
            "alder,2026-10-01,Emergency day,Water main broke\n",
        ),
    )
    assert again.days_replaced == [f"{school.world.school.pk}:2026-10-01"]
    day = SchoolDay.objects.get(site=school.world.school, date=dt.date(2026, 10, 1))
    assert (day.is_instructional, day.note) == (False, "Emergency day; Water main broke")


def test_the_templates_import_as_they_are(school, csv_file):
    district = school.world.district
    from liaison.people.models import Site

    Site.objects.filter(pk=school.world.school.pk).update(sourced_id="school-1")
    calendar = import_file(district=district, path=csv_file("c.csv", CALENDAR_TEMPLATE))
    assert (calendar.status, calendar.rows_saved) == (ImportStatus.DONE, 4)
    fourth = f.StudentFactory(household=school.world.site_family)
    f.EnrolmentFactory(student=fourth, site=school.world.school, starts_on=dt.date(2026, 9, 1))
    for n, student in enumerate((school.ana, school.bao, school.cali, fourth), start=1001):
        student.sourced_id = f"student-{n}"
        student.save()
    events = import_file(district=district, path=csv_file("e.csv", EVENTS_TEMPLATE))
    assert (events.status, events.rows_saved) == (ImportStatus.DONE, 4), events.errors


def test_every_import_is_recorded(school, csv_file):
    import_file(district=school.world.district, path=csv_file("x.csv", "name\n"))
    import_file(
        district=school.world.district,
        path=csv_file("y.csv", TP_HEADER + "alder,s-ana,2026-09-14,Tardy,\n"),
    )
    assert list(AttendanceImport.objects.order_by("pk").values_list("file_name", "status")) == [
        ("x.csv", "failed"),
        ("y.csv", "done"),
    ]


def test_rows_of_a_student_removed_while_the_file_is_read_are_refused_and_the_rest_kept(
    school, csv_file, monkeypatch
):
    """A roster import may take a student off while an attendance file is being read: the file's
    foreign keys are checked once at its end (on PostgreSQL without the row-by-row checks), its
    rows for that student are refused by line, and every other row is imported."""
    gone = f.StudentFactory(household=school.world.site_family, sourced_id="s-gone")
    f.EnrolmentFactory(student=gone, site=school.world.school, starts_on=dt.date(2026, 8, 1))

    class RosterChangedMeanwhile(files._Directory):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            gone.delete()

    monkeypatch.setattr(files, "_Directory", RosterChangedMeanwhile)
    path = csv_file(
        "day.csv",
        TP_HEADER + "alder,s-ana,2026-09-14,Unexcused Absence,\n"
        "alder,s-gone,2026-09-14,Unexcused Absence,\n"
        "alder,s-cali,2026-09-14,Tardy,\n"
        "alder,s-gone,2026-09-15,Excused Absence,\n",
    )
    batch = import_file(district=school.world.district, path=path)
    assert batch.status == ImportStatus.DONE_WITH_ERRORS
    assert (batch.rows_read, batch.rows_saved, batch.rows_refused) == (4, 2, 2)
    assert [(e["line"], e["column"], e["value"], e["reason"]) for e in batch.errors] == [
        (3, "student_id", "s-gone", "the student was removed while the file was imported"),
        (5, "student_id", "s-gone", "the student was removed while the file was imported"),
    ]
    assert _events() == [
        ("s-ana", "2026-09-14", Category.UNEXCUSED_ABSENCE),
        ("s-cali", "2026-09-14", Category.TARDY),
    ]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_scores_and_tasks_are_written_beside_the_nudges_and_done_on_return(
    school, csv_file, monkeypatch
):
    """The at-risk scores and Tier 3 tasks of a day's students run on a second connection while
    the nudges run on the first; the import returns once both are written."""
    from liaison.attendance import receivers
    from liaison.attendance.choices import Tier
    from liaison.attendance.models import AtRiskScore
    from liaison.worklist.models import Task

    ran_on = []
    after_recompute = receivers.after_recompute

    def watched(**kwargs):
        ran_on.append(threading.current_thread())
        after_recompute(**kwargs)

    monkeypatch.setattr(receivers, "after_recompute", watched)
    days = [dt.date(2026, 9, 8), dt.date(2026, 9, 9), dt.date(2026, 9, 10)]
    rows = "".join(f"alder,s-ana,{day.isoformat()},Unexcused Absence,\n" for day in days)
    batch = import_file(district=school.world.district, path=csv_file("days.csv", TP_HEADER + rows))
    assert batch.status == ImportStatus.DONE
    assert len(ran_on) == 1 and ran_on[0] is not threading.current_thread()
    score = AtRiskScore.objects.get(student=school.ana)
    assert score.tier == Tier.INTENSIVE
    task = Task.objects.get(household=school.world.caseload_family)
    assert "Tier 3 attendance" in task.title


def test_the_import_and_what_it_sets_off_run_with_fewer_collections(school, csv_file):
    """A day's file makes millions of short-lived rows: Python's cycle collector runs less often
    while it and its receivers run (core.collect), and as before once it returns."""
    import gc

    from liaison.core.collect import YOUNG

    before = gc.get_threshold()
    seen = []

    def receiver(**kwargs):
        seen.append(gc.get_threshold()[0])

    day_imported.connect(receiver, dispatch_uid="test-collections")
    try:
        path = csv_file("day.csv", TP_HEADER + "alder,s-ana,2026-09-08,Unexcused Absence,\n")
        import_file(district=school.world.district, path=path)
    finally:
        day_imported.disconnect(dispatch_uid="test-collections")
    assert seen == [max(YOUNG, before[0])]
    assert gc.get_threshold() == before
