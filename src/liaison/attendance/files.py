"""Reading attendance files: Ed-Fi attendance events and school calendars as CSV, checked row by row.

A row that cannot be used is refused with its file, line, column and reason; every other row is
written. Headers are matched without regard to case, spaces or underscores, so Ed-Fi's names
(`studentUniqueId`, `eventDate`, `attendanceEventCategoryDescriptor`) and TalkingPoints'
(`student_id`, `attendance_event_date`, `attendance_event_category`) are both read.
See docs/attendance.md for the templates.
"""

import contextlib
import csv
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from liaison.attendance.choices import Category, ImportKind, ImportMode
from liaison.attendance.models import (
    AttendanceEvent,
    AttendanceImport,
    AttendanceRules,
    SchoolDay,
    school_year_of,
)
from liaison.core.csvquotes import looks_swallowed
from liaison.core.db import IdIn, TextIn, bulk_cursor, insert_rows, update_rows
from liaison.people.models import District, Enrolment, Site, Student

# Refused rows kept on the import record (the count is always complete).
ERRORS_KEPT = 1000
# A file this small (about 100,000 rows) is read twice: first for the students and dates it names,
# so that only theirs are loaded.
SMALL_FILE = 8 * 1024 * 1024
# Accepted event rows written at a time; the days they replace are cleared just before.
CHUNK = 50_000


class Refused(Exception):
    """The whole file is unusable (not CSV, not UTF-8, required columns missing): nothing changes."""


def _key(header: str) -> str:
    return re.sub(r"[\s_.\-]", "", header.strip().lstrip("\ufeff").lower())


# Our field → the header names accepted for it (compared by _key).
EVENT_COLUMNS = {
    "school": ("school_id", "schoolId", "school"),
    "student": ("student_id", "studentUniqueId", "student_sourced_id", "student"),
    "date": ("attendance_event_date", "eventDate", "event_date", "date"),
    "category": (
        "attendance_event_category",
        "attendanceEventCategoryDescriptor",
        "category",
    ),
    "reason": ("attendance_event_reason", "attendanceEventReason", "reason"),
    "duration": ("attendance_event_duration", "eventDuration", "duration"),
    "minutes": ("schoolAttendanceDuration", "attendance_event_minutes", "minutes"),
}
EVENT_REQUIRED = ("school", "student", "date", "category")

CALENDAR_COLUMNS = {
    "school": ("school_id", "schoolId", "school"),
    "date": ("calendar_date", "date"),
    "events": ("calendar_events", "calendarEventDescriptor", "calendar_event", "events"),
    "note": ("note",),
}
CALENDAR_REQUIRED = ("school", "date", "events")

# Ed-Fi's AttendanceEventCategoryDescriptor values (and TalkingPoints' "Excused Present", Ed-Fi
# 5.2's "Present"), compared without case; a full descriptor URI is read after its '#'.
CATEGORIES = {
    "in attendance": Category.IN_ATTENDANCE,
    "present": Category.IN_ATTENDANCE,
    "excused present": Category.IN_ATTENDANCE,
    "excused absence": Category.EXCUSED_ABSENCE,
    "unexcused absence": Category.UNEXCUSED_ABSENCE,
    "tardy": Category.TARDY,
    "early departure": Category.EARLY_DEPARTURE,
    "partial": Category.PARTIAL,
}
CATEGORY_NAMES = (
    "In Attendance, Excused Absence, Unexcused Absence, Tardy, Early departure, Partial"
)

# Ed-Fi's CalendarEventDescriptor values: the first set are days of school for students.
SCHOOL_DAY_EVENTS = {
    "instructional day",
    "make-up day",
    "makeup day",
    "student late arrival/early dismissal",
}
CLOSURE_EVENTS = {
    "non-instructional day",
    "teacher only day",
    "holiday",
    "weather day",
    "emergency day",
    "strike",
    "other",
}


@dataclass
class Outcome:
    """What a file did: counts, refused rows, and which days and students it changed."""

    rows_read: int = 0
    rows_saved: int = 0
    rows_refused: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    site_ids: set[int] = field(default_factory=set)
    days: set[dt.date] = field(default_factory=set)
    days_replaced: set[tuple[int, dt.date]] = field(default_factory=set)
    student_ids: set[int] = field(default_factory=set)

    def refuse(self, file: str, line: int, column: str, value: str, reason: str) -> None:
        self.rows_refused += 1
        if len(self.errors) < ERRORS_KEPT:
            self.errors.append(
                {"file": file, "line": line, "column": column, "value": value, "reason": reason}
            )


def _columns(header: list[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Our field → its position in the header."""
    by_key = {_key(h): i for i, h in enumerate(header)}
    found = {}
    for name, aliases in wanted.items():
        for alias in aliases:
            if _key(alias) in by_key:
                found[name] = by_key[_key(alias)]
                break
    return found


def detect_kind(path: Path) -> str:
    """Events or calendar, from the header; Refused when it is neither."""
    header = read_header(path)
    events = _columns(header, EVENT_COLUMNS)
    if "category" in events:
        return ImportKind.EVENTS
    if "events" in _columns(header, CALENDAR_COLUMNS):
        return ImportKind.CALENDAR
    raise Refused(
        _(
            "The first line names neither attendance events (a column "
            "attendance_event_category) nor a calendar (a column calendar_events): "
            "see the templates in the attendance guide."
        )
    )


def read_header(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except FileNotFoundError:
        raise Refused(_("There is no file at %(path)s.") % {"path": path}) from None
    except IsADirectoryError:
        raise Refused(
            _(
                "%(path)s is a folder, not a CSV file: to import every .csv waiting in it, "
                "add --drop-folder."
            )
            % {"path": path}
        ) from None
    except UnicodeDecodeError:
        raise Refused(_("The file is not UTF-8 text: save it as CSV UTF-8.")) from None
    except csv.Error as e:
        raise Refused(_("The file is not readable CSV: %(error)s") % {"error": e}) from None
    if not header:
        raise Refused(_("The file is empty."))
    return header


def _rows(
    path: Path,
    file: str,
    broken: Callable[[int, int, list[str]], None] | None = None,
    separators: int = 3,
) -> Iterator[tuple[int, list[str]]]:
    """The file's rows after the header, each with its line. A row that spans several lines with
    a cell holding lines that look like rows of the file (`separators` commas or more: a quote
    opened and not closed where it should be, core.csvquotes) is not given: `broken(first, last,
    row)` is told of it instead, so that the lines it swallowed are named, not lost silently."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            next(reader, None)
            last = reader.line_num
            for row in reader:
                first, last = last + 1, reader.line_num
                if last > first and any(looks_swallowed(cell, separators) for cell in row):
                    if broken is not None:
                        broken(first, last, row)
                    continue
                yield last, row
        except UnicodeDecodeError:
            raise Refused(
                _("%(file)s is not UTF-8 text (after line %(line)s): save it as CSV UTF-8.")
                % {"file": file, "line": reader.line_num}
            ) from None
        except csv.Error as e:
            raise Refused(
                _("%(file)s, line %(line)s is not readable CSV: %(error)s")
                % {"file": file, "line": reader.line_num + 1, "error": e}
            ) from None


def _refuse_broken(
    out: "Outcome", file: str, header: list[str]
) -> Callable[[int, int, list[str]], None]:
    """What `_rows` tells of a row it could not give: refused at its first line, in the column
    whose cell holds the line break, naming the lines read into it."""

    def broken(first: int, last: int, row: list[str]) -> None:
        at = next(i for i, cell in enumerate(row) if len(cell.splitlines()) > 1)
        column = header[at].strip().lstrip("\ufeff") if at < len(header) else str(at + 1)
        cell = row[at].splitlines()[0] if row[at].strip() else ""
        out.rows_read += 1
        out.refuse(
            file,
            first,
            column,
            cell[:40] + "…",
            _(
                "a quote opened in this cell is closed only on line %(last)s, or never: lines "
                "%(first)s to %(last)s were read as this one cell, and none of them was "
                "imported. Close the quote and import the file again."
            )
            % {"first": first, "last": last},
        )

    return broken


def _require(
    header: list[str], wanted: dict[str, tuple[str, ...]], required: tuple[str, ...], file: str
) -> dict[str, int]:
    cols = _columns(header, wanted)
    missing = [wanted[name][0] for name in required if name not in cols]
    if missing:
        raise Refused(
            _("%(file)s has no column %(columns)s.") % {"file": file, "columns": ", ".join(missing)}
        )
    return cols


def _date_reader(file: str) -> Callable[[str], dt.date | None]:
    cache: dict[str, dt.date | None] = {}

    def read(text: str) -> dt.date | None:
        try:
            return cache[text]
        except KeyError:
            pass
        value = None
        text_ = text.strip()
        try:
            value = dt.date.fromisoformat(text_)
        except ValueError:
            parts = text_.split("/")
            if len(parts) == 3 and all(p.isdigit() for p in parts):
                try:
                    value = dt.date(int(parts[2]), int(parts[0]), int(parts[1]))
                except ValueError:
                    value = None
        cache[text] = value
        return value

    return read


class _Directory:
    """The district's schools, students, enrolments and calendar, as plain lookups."""

    def __init__(
        self,
        district: District,
        *,
        students: bool,
        only: tuple[set[str], set[dt.date]] | None = None,
    ):
        """`only`: the student ids and dates a small file names, so a day's file reads a few
        thousand students' rows rather than the district's."""
        self.district = district
        self.sites: dict[str, int] = {}
        self.site_names: dict[int, str] = {}
        for pk, name, sourced in Site.objects.filter(district=district).values_list(
            "pk", "name", "sourced_id"
        ):
            self.site_names[pk] = name
            self.sites.setdefault(name.strip().lower(), pk)
            if sourced:
                self.sites[sourced.strip().lower()] = pk
        self.students: dict[str, int] = {}
        self.enrolments: dict[int, list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
        self.calendar: dict[tuple[int, dt.date], tuple[bool, str]] = {}
        if not students:
            return
        people = Student.objects.filter(district=district, sourced_id__isnull=False)
        enrolments = Enrolment.objects.filter(student__district=district)
        calendar = SchoolDay.objects.filter(site__district=district)
        if only is not None:
            # The file's students and their enrolments, the keys bound as one array each.
            found = people.filter(TextIn("sourced_id", only[0])).values_list("sourced_id", "pk")
            self.students = {sourced: pk for sourced, pk in found if sourced}
            enrolment_rows: list[tuple[int, int, dt.date, dt.date | None]] = list(
                enrolments.filter(IdIn("student_id", self.students.values())).values_list(
                    "student_id", "site_id", "starts_on", "ends_on"
                )
            )
            calendar = calendar.filter(date__in=sorted(only[1]))
        else:
            self.students = {
                sourced: pk for sourced, pk in people.values_list("sourced_id", "pk") if sourced
            }
            enrolment_rows = list(
                enrolments.values_list("student_id", "site_id", "starts_on", "ends_on")
            )
        for student_id, site_id, starts, ends in enrolment_rows:
            self.enrolments[student_id].append((site_id, starts, ends))
        for site_id, day, instructional, note in calendar.values_list(
            "site_id", "date", "is_instructional", "note"
        ):
            self.calendar[(site_id, day)] = (instructional, note)

    def site(self, text: str) -> int | None:
        return self.sites.get(text.strip().lower())

    def enrolled(self, student_id: int, site_id: int, day: dt.date) -> bool:
        return any(
            s == site_id and starts <= day and (ends is None or day <= ends)
            for s, starts, ends in self.enrolments.get(student_id, ())
        )


# SQLite's page cache while an events file is written (KiB): a year's events and their indexes
# (150 MB at 100,000 students) are rewritten page by page, and with SQLite's 2 MB they were
# evicted and read back for every batch (a third of the insert's CPU). Memory, not durability:
# the journal and synchronous settings are untouched, an interrupted import leaves nothing.
SQLITE_CACHE_KIB = 256 * 1024


@contextlib.contextmanager
def _page_cache() -> Iterator[None]:
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def read_events(
    *, path: Path, file: str, district: District, batch: AttendanceImport, mode: str
) -> Outcome:
    """Check and write an events file (call inside a transaction: a file is all or nothing)."""
    with _page_cache():
        return _read_events(path=path, file=file, district=district, batch=batch, mode=mode)


def _read_events(
    *, path: Path, file: str, district: District, batch: AttendanceImport, mode: str
) -> Outcome:
    """The loop is the import's cost at a million rows: lookups are cached by the raw cell, keys
    are plain ints, and the checks a valid row passes come first."""
    header = read_header(path)
    cols = _require(header, EVENT_COLUMNS, EVENT_REQUIRED, file)
    names = {name: header[i].strip().lstrip("\ufeff") for name, i in cols.items()}
    i_school, i_student, i_date, i_cat = (cols[n] for n in EVENT_REQUIRED)
    i_reason, i_duration, i_minutes = (cols.get(n) for n in ("reason", "duration", "minutes"))
    width = max(cols.values()) + 1
    parse_date = _date_reader(file)
    only: tuple[set[str], set[dt.date]] | None = None
    if path.stat().st_size <= SMALL_FILE:
        only = (set(), set())
        for _line, row in _rows(path, file):
            # A short row is read padded below (its missing cells refused as such): its student
            # and date are looked up all the same, or an existing student reads as unknown.
            if len(row) < width:
                row = row + [""] * (width - len(row))
            only[0].update((row[i_student], row[i_student].strip()))
            day = parse_date(row[i_date])
            if day is not None:
                only[1].add(day)
    d = _Directory(district, students=True, only=only)
    out = Outcome()
    tomorrow = dt.date.today() + dt.timedelta(days=1)  # a school in a zone ahead of the server's
    sqlite = connection.vendor == "sqlite"
    # raw cell → (date, index, database value) / site id / student id / (category, index)
    dates: dict[str, tuple[dt.date, int, Any] | None] = {}
    when: tuple[dt.date, int, Any] | None
    day_list: list[dt.date] = []
    sites: dict[str, int | None] = {}
    students = d.students
    categories: dict[str, tuple[str, int] | None] = {}
    calendar: dict[int, dict[dt.date, tuple[bool, str]]] = defaultdict(dict)
    for (site_id, day), value in d.calendar.items():
        calendar[site_id][day] = value
    single = {s: e[0] for s, e in d.enrolments.items() if len(e) == 1}
    seen: dict[int, int] = {}
    pending: list[tuple[Any, ...]] = []
    days_mode = mode == ImportMode.DAYS
    # Days (site, date index) or student-days (site, date index, student) the file stands for.
    covered: set[Any] = set()
    cleared: set[Any] = set()
    district_id, batch_id = district.pk, batch.pk
    present = Category.IN_ATTENDANCE
    student_ids = out.student_ids
    unchecked = _may_write_unchecked()

    def refuse(line: int, name: str, value: str, reason: str) -> None:
        out.refuse(file, line, names.get(name, name), value, reason)

    separators = len(EVENT_REQUIRED) - 1
    for line, row in _rows(path, file, _refuse_broken(out, file, header), separators):
        if len(row) < width:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # a blank line
            row = row + [""] * (width - len(row))
        out.rows_read += 1
        school = row[i_school]
        try:
            site = sites[school]
        except KeyError:
            site = sites[school] = d.site(school)
        if site is None:
            refuse(
                line,
                "school",
                school,
                _("no school of this district has this id or name")
                if school.strip()
                else _("the school is missing"),
            )
            continue
        site_id = site
        sourced = row[i_student]
        student = students.get(sourced)
        if student is None:
            student = students.get(sourced.strip())
            if student is None:
                refuse(
                    line,
                    "student",
                    sourced,
                    _("no student of this district has this id")
                    if sourced.strip()
                    else _("the student is missing"),
                )
                continue
        student_id = student
        raw = row[i_date]
        try:
            when = dates[raw]
        except KeyError:
            parsed = parse_date(raw)
            if parsed is None:
                when = None
            else:
                when = (parsed, len(day_list), parsed.isoformat() if sqlite else parsed)
                day_list.append(parsed)
            dates[raw] = when
        if when is None:
            refuse(line, "date", raw, _("not a date: write it as 2026-09-14"))
            continue
        day, day_index, day_value = when
        if day > tomorrow:
            refuse(line, "date", raw, _("the date is in the future"))
            continue
        text = row[i_cat]
        try:
            found = categories[text]
        except KeyError:
            named = CATEGORIES.get(text.rsplit("#", 1)[-1].strip().lower())
            found = categories[text] = (
                None if named is None else (named, list(Category.values).index(named))
            )
        if found is None:
            refuse(
                line,
                "category",
                text,
                _("not an attendance category; use one of: %(names)s") % {"names": CATEGORY_NAMES},
            )
            continue
        category, category_index = found
        school_day = calendar[site_id].get(day)
        if school_day is None:
            refuse(
                line,
                "date",
                raw,
                _("%(school)s's calendar has no such day: import the school calendar first")
                % {"school": d.site_names[site_id]},
            )
            continue
        if not school_day[0]:
            refuse(
                line,
                "date",
                raw,
                _("%(school)s was closed that day (%(reason)s)")
                % {"school": d.site_names[site_id], "reason": school_day[1] or _("no school")},
            )
            continue
        one = single.get(student_id)
        if not (
            one is not None
            and one[0] == site_id
            and one[1] <= day
            and (one[2] is None or day <= one[2])
        ) and not d.enrolled(student_id, site_id, day):
            refuse(
                line,
                "student",
                sourced,
                _("the student was not enrolled at %(school)s on that date")
                % {"school": d.site_names[site_id]},
            )
            continue
        reason = row[i_reason].strip() if i_reason is not None else ""
        if len(reason) > 200:
            refuse(line, "reason", reason[:50], _("the reason is longer than 200 characters"))
            continue
        duration = None
        if i_duration is not None and row[i_duration].strip():
            duration = _duration(row[i_duration])
            if duration is None:
                refuse(
                    line,
                    "duration",
                    row[i_duration],
                    _("the duration is the share of the day, from 0 to 1 (for example 0.5)"),
                )
                continue
        minutes = None
        if i_minutes is not None and row[i_minutes].strip():
            given = row[i_minutes].strip()
            if not given.isdigit() or int(given) > 1440:
                refuse(line, "minutes", given, _("minutes are a whole number from 0 to 1440"))
                continue
            minutes = int(given)
        key = ((student_id * 1_000_003 + site_id) * 1_048_576 + day_index) * 8 + category_index
        if key in seen:
            refuse(
                line,
                "category",
                text,
                _("repeats line %(line)s (same student, school, date and category)")
                % {"line": seen[key]},
            )
            continue
        seen[key] = line
        student_ids.add(student_id)
        covered.add(
            site_id * 1_048_576 + day_index if days_mode else (site_id, day_index, student_id)
        )
        if category != present:  # a day present is the absence of a row
            pending.append(
                (
                    district_id,
                    site_id,
                    student_id,
                    day_value,
                    category,
                    reason,
                    minutes,
                    duration,
                    batch_id,
                )
            )
            if len(pending) >= CHUNK:
                _flush(out, _days(covered - cleared, day_list), pending, unchecked=unchecked)
                cleared |= covered
                pending = []
    _flush(out, _days(covered - cleared, day_list), pending, unchecked=unchecked)
    _check_references(out, file, names, seen, d, batch_id)
    out.rows_saved = len(seen)
    out.days_replaced = {(c[0], c[1]) for c in _days(covered, day_list)}
    out.site_ids = {site_id for site_id, _day in out.days_replaced}
    out.days = {day for _site, day in out.days_replaced}
    return out


def _duration(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not (0 <= value <= 1) or value != value.quantize(Decimal("0.01")):
        return None
    return value


def _days(keys: set[Any], day_list: list[dt.date]) -> set[tuple[Any, ...]]:
    """(site, date) or (site, date, student) from the loop's compact keys."""
    out: set[tuple[Any, ...]] = set()
    for key in keys:
        if isinstance(key, int):
            out.add((key // 1_048_576, day_list[key % 1_048_576]))
        else:
            out.add((key[0], day_list[key[1]], key[2]))
    return out


EVENT_FIELDS = [
    "district_id",
    "site_id",
    "student_id",
    "date",
    "category",
    "reason",
    "minutes",
    "duration",
    "batch_id",
]


def _may_write_unchecked() -> bool:
    """PostgreSQL: whether this transaction may write its events without the foreign-key triggers
    (`session_replication_role = replica`, allowed to superusers and to a role granted SET on it).

    Each event carries four foreign keys, and PostgreSQL checks each of them row by row at the
    commit: for a year's file (1.5 million events) that was half the import. _check_references
    then checks them once for the whole file, as one query per table. Dropping the constraints
    for the load would lock the district, school and student tables against every reader until the
    commit. Where the setting is refused, the rows are written checked, as before."""
    if connection.vendor != "postgresql":
        return False
    try:
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
        ):  # a refusal undoes the savepoint only
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL session_replication_role = origin")
    except DatabaseError:
        return False
    return True


def _check_references(
    out: Outcome,
    file: str,
    names: dict[str, str],
    seen: dict[int, int],
    d: "_Directory",
    batch_id: int,
) -> None:
    """Check at once that every student and school the accepted rows name still exists, and hold
    them (FOR KEY SHARE, as PostgreSQL's own check of a foreign key does) until the commit.

    The file was checked against the students and schools read at its start; one removed since
    (by a roster import running alongside) has its rows refused, each named by its line, and the
    events already written for them taken back: nothing else of the file is lost."""
    by_student: dict[int, set[int]] = defaultdict(set)
    for key in seen:
        student_site = key // 8_388_608  # (student * 1_000_003 + site): see the loop's keys
        by_student[student_site // 1_000_003].add(student_site % 1_000_003)
    site_ids = {site for sites in by_student.values() for site in sites}
    found_students = _existing(Student, by_student)
    found_sites = _existing(Site, site_ids)
    if not (_existing(District, [d.district.pk]) and _existing(AttendanceImport, [batch_id])):
        raise Refused(_("The district or this import was deleted while the file was imported."))
    gone_students = set(by_student) - found_students
    gone_sites = site_ids - found_sites
    if not (gone_students or gone_sites):
        return
    sourced = {pk: text for text, pk in d.students.items() if pk in gone_students}
    for key, line in sorted(seen.items(), key=itemgetter(1)):
        student_site = key // 8_388_608
        student, site = divmod(student_site, 1_000_003)
        if student in gone_students:
            column, value = "student", sourced.get(student, "")
            reason = _("the student was removed while the file was imported")
        elif site in gone_sites:
            column, value = "school", d.site_names[site]
            reason = _("the school was removed while the file was imported")
        else:
            continue
        del seen[key]
        out.refuse(file, line, names.get(column, column), value, reason)
    written = AttendanceEvent.objects.filter(batch_id=batch_id)
    written.filter(IdIn("student_id", gone_students)).delete()
    written.filter(IdIn("site_id", gone_sites)).delete()
    out.student_ids -= gone_students


def _existing(model: Any, ids: Any) -> set[int]:
    """Which of these ids the table holds; on PostgreSQL each row found is held FOR KEY SHARE (it
    cannot be deleted, nor its id changed, until this transaction ends)."""
    ids = sorted(ids)
    if not ids:
        return set()
    if connection.vendor != "postgresql":
        return set(model.objects.filter(IdIn("pk", ids)).values_list("pk", flat=True))
    table = connection.ops.quote_name(model._meta.db_table)
    with bulk_cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE id = ANY(%s::bigint[]) FOR KEY SHARE",  # noqa: S608 - the name from the model
            [ids],
        )
        return {pk for (pk,) in cursor.fetchall()}


def _flush(
    out: Outcome,
    to_clear: set[tuple[Any, ...]],
    rows: list[tuple[Any, ...]],
    *,
    unchecked: bool = False,
) -> None:
    """Clear the days (or student-days) first seen since the last flush, then write the rows
    (`unchecked`: without PostgreSQL's row-by-row foreign-key triggers; _check_references checks
    the file's keys once instead)."""
    by_site_day: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
    whole: dict[int, list[dt.date]] = defaultdict(list)
    for c in to_clear:
        if len(c) == 2:
            whole[c[0]].append(c[1])
        else:
            by_site_day[(c[0], c[1])].append(c[2])
    # Schools sharing the same days (a district's file names every school on every day) are
    # cleared by one statement: a year's file otherwise ran two per school per batch.
    schools_by_days: dict[frozenset[dt.date], list[int]] = defaultdict(list)
    for s, days in whole.items():
        schools_by_days[frozenset(days)].append(s)
    conditions = [
        Q(site_id__in=sorted(schools), date__in=sorted(days))
        for days, schools in schools_by_days.items()
    ]
    conditions += [
        Q(site_id=s, date=day, student_id__in=ids) for (s, day), ids in by_site_day.items()
    ]
    for condition in conditions:
        old = AttendanceEvent.objects.filter(condition)
        out.student_ids.update(old.values_list("student_id", flat=True).distinct())
        old.delete()
    # In the order of the unique (student, site, date, category) index: its pages fill in turn.
    rows.sort(key=itemgetter(2, 1, 3))
    if not unchecked:
        insert_rows(AttendanceEvent, EVENT_FIELDS, rows, prepared=True)
        return
    with connection.cursor() as cursor:
        # For this statement only: a trigger of our own on events would not be skipped silently
        # elsewhere in the transaction. Undone by a rollback with everything else.
        cursor.execute("SET LOCAL session_replication_role = replica")
        insert_rows(AttendanceEvent, EVENT_FIELDS, rows, prepared=True)
        cursor.execute("SET LOCAL session_replication_role = origin")


def _calendar_day(text: str) -> tuple[bool, str] | None:
    """(a school day?, closure reason) from a calendar_events cell; None when unknown."""
    parts = [p.strip() for p in re.split(r"[;,|]", text) if p.strip()]
    if not parts:
        return None
    closures = []
    for part in parts:
        name = part.rsplit("#", 1)[-1].strip()
        if name.lower() in CLOSURE_EVENTS:
            closures.append(name)
        elif name.lower() not in SCHOOL_DAY_EVENTS:
            return None
    return (not closures, "; ".join(closures))


def read_calendar(*, path: Path, file: str, district: District) -> Outcome:
    """Check and write a calendar file: each (school, date) row replaces that day's entry."""
    header = read_header(path)
    cols = _require(header, CALENDAR_COLUMNS, CALENDAR_REQUIRED, file)
    names = {name: header[i].strip().lstrip("\ufeff") for name, i in cols.items()}
    i_school, i_date, i_events = (cols[n] for n in CALENDAR_REQUIRED)
    i_note = cols.get("note")
    width = max(cols.values()) + 1
    d = _Directory(district, students=False)
    rules = AttendanceRules.objects.filter(district=district).first() or AttendanceRules()
    starts = rules.year_starts
    read_date = _date_reader(file)
    out = Outcome()
    seen: dict[tuple[int, dt.date], int] = {}
    found: dict[tuple[int, dt.date], tuple[bool, str]] = {}
    separators = len(CALENDAR_REQUIRED) - 1
    for line, row in _rows(path, file, _refuse_broken(out, file, header), separators):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        out.rows_read += 1
        if len(row) < width:
            row = row + [""] * (width - len(row))
        site_id = d.site(row[i_school])
        if site_id is None:
            out.refuse(
                file,
                line,
                names["school"],
                row[i_school],
                _("no school of this district has this id or name"),
            )
            continue
        day = read_date(row[i_date])
        if day is None:
            out.refuse(
                file, line, names["date"], row[i_date], _("not a date: write it as 2026-09-14")
            )
            continue
        kind = _calendar_day(row[i_events])
        if kind is None:
            out.refuse(
                file,
                line,
                names["events"],
                row[i_events],
                _(
                    "not a calendar event; use Instructional day, Make-up day, Holiday, "
                    "Weather day, Emergency day, Teacher only day, Non-instructional day, "
                    "Strike or Other"
                ),
            )
            continue
        if (site_id, day) in seen:
            out.refuse(
                file,
                line,
                names["date"],
                row[i_date],
                _("repeats line %(line)s (same school and date)") % {"line": seen[(site_id, day)]},
            )
            continue
        seen[(site_id, day)] = line
        instructional, note = kind
        if i_note is not None and row[i_note].strip():
            note = "; ".join(n for n in (note, row[i_note].strip()) if n)
        found[(site_id, day)] = (instructional, note[:200])
        out.rows_saved += 1
        out.site_ids.add(site_id)
        out.days.add(day)
    stored = {
        (site_id, day): (pk, instructional, note)
        for pk, site_id, day, instructional, note in SchoolDay.objects.filter(
            site_id__in=out.site_ids, date__in=out.days
        ).values_list("pk", "site_id", "date", "is_instructional", "note")
    }
    new, changed = [], []
    for (site_id, day), (instructional, note) in found.items():
        old = stored.get((site_id, day))
        if old is None:
            new.append((site_id, day, school_year_of(day, starts), instructional, note))
        elif (old[1], old[2]) != (instructional, note):
            changed.append((instructional, note, old[0]))
            out.days_replaced.add((site_id, day))
    insert_rows(SchoolDay, ["site_id", "date", "school_year", "is_instructional", "note"], new)
    update_rows(SchoolDay, ["is_instructional", "note"], changed)
    return out
