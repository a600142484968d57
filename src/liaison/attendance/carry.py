"""Carrying forward, in one UPDATE, every student's measures over a day's file.

After a day's file most students (about nine in ten) have no new event: every enrolled day since
their stored row is a day present. Their totals stay; days enrolled grow by the new days, the
rates and the chronic flag follow from the stored counts, runs of absences end, a school month
begun since records the unchanged total, and the trend windows slide (the absences inside them are
summed from the events by the database). The others (about 7,000 of 100,000) have the day's
events and nothing before changed: their day is added to the stored row (totals, late arrivals,
the run going on or ending, the last day absent, the early months' totals that day falls in),
as the database reads it from the events, when it is their one enrolled day since the stored
date. `plan` works out, per student, the few numbers that
depend on the calendar (the same for every student of a school enrolled over the same days);
`apply` writes them with the database doing the arithmetic, in integers (hundredths of days), so
that every value is exactly what `measures.measure` gives from all the events.

A student is carried only when their row is what the stored numbers say it is: one enrolment
(spell) this year, at the stored school, with the stored number of days enrolled up to the stored
date and the stored number of school months. Anyone else (and anyone whose row the UPDATE finds
different, or with events on more than one new day: a missed file) is computed from all their
events.
"""

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from liaison.attendance import measures as M
from liaison.attendance.choices import Category
from liaison.attendance.models import AttendanceEvent, AttendanceRules, SchoolDay, StudentAttendance
from liaison.core.db import bulk_cursor, rows_written

# The columns of one carried student, in the order the statement reads them.
FIELDS = (
    "student_id",
    "site_id",
    "lo",  # the spell's first and last day this year (events outside it do not count)
    "hi",
    "old_as_of",  # the stored row's date, days enrolled and school months, as checked
    "old_enrolled",
    "old_months",
    "new_days",  # enrolled days after the stored date
    "enr_last",  # enrolled days in the last four weeks and in the four before
    "enr_prev",
    "add_month",  # 1 when a school month has begun since the stored date
    "chronic_last_year",
    "has_news",  # 1 when the student has an event after the stored date (read, then added)
    "news_ok",  # 1 when the new events can be added: one enrolled day since the stored date
    "bump_last",  # 1 when that day falls in the last early month stored (its total grows)
    "bump_new",  # 1 when it falls in the month begun since (that month's total counts it)
)


@dataclass
class Plan:
    rows: list[tuple[object, ...]]
    refused: list[int]  # students to compute from all their events instead


def months_begun(calendar: M.Calendar, day: dt.date) -> int:
    """How many of the school's first three months have begun by `day` (the first always has)."""
    ends = calendar.month_ends
    return sum(1 for k in range(len(ends)) if k == 0 or day > ends[k - 1])


def plan(
    *,
    calendar: M.Calendar,
    spells: dict[int, list[M.Spell]],
    stored_as_of: dict[int, dt.date],
    student_ids: Iterable[int],
    chronic_last_year: set[int],
    news: set[int],
) -> Plan:
    """The UPDATE's row for each of these students (each has a stored row dated no later than
    calendar.as_of; `news` are those with an event after it), or their place among the
    refused."""
    as_of = calendar.as_of
    last_start = as_of - dt.timedelta(days=M.TREND_DAYS - 1)
    prev_start = last_start - dt.timedelta(days=M.TREND_DAYS)
    prev_end = last_start - dt.timedelta(days=1)
    months_now = months_begun(calendar, as_of)
    one_day = dt.timedelta(days=1)

    def count(site_id: int, lo: dt.date, hi: dt.date) -> int:
        return calendar.count(site_id, lo, hi) if lo <= hi else 0

    ends = calendar.month_ends
    known: dict[
        tuple[int, dt.date, dt.date, dt.date],
        tuple[tuple[object, ...], tuple[object, ...]] | None,
    ] = {}
    rows: list[tuple[object, ...]] = []
    refused: list[int] = []
    for sid in student_ids:
        spell = spells[sid]
        if len(spell) != 1:
            refused.append(sid)  # a change of school this year: rare, computed in full
            continue
        s = spell[0]
        old = stored_as_of[sid]
        key = (s.site_id, s.start, s.end, old)
        if key in known:
            numbers = known[key]
        else:
            months_old = months_begun(calendar, old)
            if months_now - months_old > 1:
                numbers = None  # two school months begun since: computed in full
            else:
                new_days = calendar.between(s.site_id, max(s.start, old + one_day), s.end)
                # Events since the stored date are added to the row when they all fall on one
                # enrolled day (a day's file); the early months' totals that day falls in grow.
                day = new_days[0] if len(new_days) == 1 else None
                numbers = (
                    (
                        s.start.isoformat(),
                        s.end.isoformat(),
                        old.isoformat(),
                        count(s.site_id, s.start, min(s.end, old)),
                        months_old,
                        len(new_days),
                        count(s.site_id, max(s.start, last_start), s.end),
                        count(s.site_id, max(s.start, prev_start), min(s.end, prev_end)),
                        months_now - months_old,
                    ),
                    (
                        1 if day else 0,
                        1 if day and day <= ends[months_old - 1] else 0,
                        1 if day and months_now > months_old and day <= ends[months_old] else 0,
                    ),
                )
            known[key] = numbers
        if numbers is None:
            refused.append(sid)
            continue
        # The numbers are in the order of FIELDS, after the student and the school.
        common, day_numbers = numbers
        rows.append(
            (
                sid,
                s.site_id,
                *common,
                1 if sid in chronic_last_year else 0,
                1 if sid in news else 0,
                *day_numbers,
            )
        )
    return Plan(rows, refused)


def _hundredths(value: Decimal | str) -> int:
    return int(Decimal(value) * 100)


def _rate(enrolled: str, missed: str, postgres: bool) -> str:
    """SQL for measures.rate_of in integers: (enrolled − missed) ÷ enrolled to four places, half
    up, with `missed` in hundredths of a day; null before the first enrolled day."""
    e = f"CAST({enrolled} AS BIGINT)"
    rounded = f"((({e} * 100 - ({missed})) * 20000 + {e} * 100) / ({e} * 200))"
    value = f"CAST({rounded} AS NUMERIC) / 10000" if postgres else f"{rounded} / 10000.0"
    return f"CASE WHEN {enrolled} > 0 THEN {value} END"


def apply(
    *,
    district_id: int,
    calendar: M.Calendar,
    rules: AttendanceRules,
    rows: list[tuple[object, ...]],
    now: dt.datetime,
) -> int:
    """Carry these students' rows forward to calendar.as_of in one statement. A row that is not
    as `plan` read it (date, school, days enrolled, months) is left as it was. Returns how many
    rows were carried."""
    if not rows:
        return 0
    postgres = connection.vendor == "postgresql"
    q = connection.ops.quote_name
    table = q(StudentAttendance._meta.db_table)
    events = q(AttendanceEvent._meta.db_table)
    days = q(SchoolDay._meta.db_table)
    as_of = calendar.as_of
    last_start = as_of - dt.timedelta(days=M.TREND_DAYS - 1)
    prev_start = last_start - dt.timedelta(days=M.TREND_DAYS)
    params: dict[str, Any] = {
        "absent1": Category.EXCUSED_ABSENCE.value,
        "absent2": Category.UNEXCUSED_ABSENCE.value,
        "partial1": Category.PARTIAL.value,
        "partial2": Category.EARLY_DEPARTURE.value,
        "partial": _hundredths(rules.partial_day_absent),
        "tardy": Category.TARDY.value,
        "year": calendar.school_year,
        "district": district_id,
        "min_days": rules.chronic_min_days,
        "share": int(Decimal(rules.chronic_share) * 1000),
    }
    if postgres:
        params.update(prev_start=prev_start, as_of=as_of, last_start=last_start, now=now)
    else:  # as Django's SQLite backend writes them (ISO dates, naive UTC times)
        params.update(
            prev_start=prev_start.isoformat(),
            as_of=as_of.isoformat(),
            last_start=last_start.isoformat(),
            now=connection.ops.adapt_datetimefield_value(now),
        )
    # A day's weight in hundredths of a day absent: a whole day, a partial day, or none (late).
    # And what else measures.day_weights reads of the day: a whole day absent, without excuse,
    # late arrivals, any absence (the last day absent); `news` marks a day after the stored date.
    weight = """MAX(CASE WHEN e.category IN (%(absent1)s, %(absent2)s) THEN 100
        WHEN e.category IN (%(partial1)s, %(partial2)s) THEN %(partial)s ELSE 0 END)"""
    sums = """SUM(CASE WHEN day >= %(last_start)s THEN weight ELSE 0 END) AS missed_last,
        SUM(CASE WHEN day < %(last_start)s THEN weight ELSE 0 END) AS missed_prev"""
    # The new days of the students with events after their stored date (read for them alone):
    # what measures.day_weights reads of a day besides its weight, a whole day absent, without
    # excuse, late arrivals, any absence (the last day absent).
    day_news = f"""{weight} AS weight,
        MAX(CASE WHEN e.category IN (%(absent1)s, %(absent2)s) THEN 1 ELSE 0 END) AS whole,
        MAX(CASE WHEN e.category = %(absent2)s THEN 1 ELSE 0 END) AS unexcused,
        SUM(CASE WHEN e.category = %(tardy)s THEN 1 ELSE 0 END) AS late,
        MAX(CASE WHEN e.category IN (%(absent1)s, %(absent2)s, %(partial1)s, %(partial2)s)
            THEN 1 ELSE 0 END) AS marked"""
    news_sums = """COUNT(*) AS new_days_seen, SUM(weight) AS new_absent,
        SUM(whole) AS new_whole, SUM(unexcused) AS new_unexcused, SUM(late) AS new_late,
        MAX(CASE WHEN marked = 1 THEN day END) AS new_last_absent"""
    if postgres:
        types = ["bigint", "bigint", "date", "date", "date", "int", "int", "int", "int", "int"]
        types += ["int", "int", "int", "int", "int", "int"]
        arrays = ", ".join(f"%(c{i})s::{t}[]" for i, t in enumerate(types))
        source = f"SELECT * FROM unnest({arrays}) AS u({', '.join(FIELDS)})"  # noqa: S608
        params.update({f"c{i}": list(column) for i, column in enumerate(zip(*rows, strict=True))})
        # Each student's events of the eight weeks, read through the unique index that starts
        # with the student, and each event's school day looked up by its key: written so that
        # no other plan is open (`site_id + 0` keeps the school's index, which would read every
        # student of the school, out of reach), as a table just loaded has no statistics yet.
        window = f"""LEFT JOIN LATERAL (
            SELECT {sums} FROM (
                SELECT e.date AS day, {weight} AS weight
                FROM {events} e
                WHERE e.student_id = c.student_id AND e.site_id + 0 = c.site_id
                    AND e.date >= GREATEST(c.lo, %(prev_start)s)
                    AND e.date <= LEAST(c.hi, %(as_of)s)
                    AND (SELECT sd.is_instructional AND sd.school_year = %(year)s
                        FROM {days} sd WHERE sd.site_id = e.site_id AND sd.date = e.date)
                GROUP BY e.date
            ) d
        ) w ON TRUE
        LEFT JOIN LATERAL (
            SELECT {news_sums} FROM (
                SELECT e.date AS day, {day_news}
                FROM {events} e
                WHERE c.has_news = 1
                    AND e.student_id = c.student_id AND e.site_id + 0 = c.site_id
                    AND e.date > c.old_as_of AND e.date >= c.lo
                    AND e.date <= LEAST(c.hi, %(as_of)s)
                    AND (SELECT sd.is_instructional AND sd.school_year = %(year)s
                        FROM {days} sd WHERE sd.site_id = e.site_id AND sd.date = e.date)
                GROUP BY e.date
            ) d
        ) v ON TRUE"""  # noqa: S608
        window_cte = ""
        old_total = f"CAST(ROUND({table}.days_absent * 100) AS BIGINT)"
        early_length = f"jsonb_array_length({table}.early_absences)"

        def days_of(hundredths: str) -> str:
            return f"ROUND(CAST({hundredths} AS NUMERIC) / 100, 2)"

        def as_text(hundredths: str) -> str:
            return f"CAST({days_of(hundredths)} AS TEXT)"

        def early_set(early: str, value: str) -> str:
            return f"jsonb_set({early}, ARRAY[CAST(c.old_months - 1 AS TEXT)], to_jsonb({value}))"

        def early_append(early: str, value: str) -> str:
            return f"{early} || jsonb_build_array({value})"
    else:
        extracts = ", ".join(
            f"json_extract(value, '$[{i}]') AS {name}" for i, name in enumerate(FIELDS)
        )
        source = f"SELECT {extracts} FROM json_each(%(rows)s)"  # noqa: S608
        params["rows"] = json.dumps(rows, separators=(",", ":"))
        window_cte = f""",
        d AS (
            SELECT e.student_id, e.date AS day, {weight} AS weight
            FROM c
            JOIN {events} e ON e.student_id = c.student_id AND e.site_id = c.site_id
                AND e.date >= c.lo AND e.date <= c.hi
            JOIN {days} sd ON sd.site_id = e.site_id AND sd.date = e.date
                AND sd.is_instructional AND sd.school_year = %(year)s
            WHERE e.district_id = %(district)s AND e.date >= %(prev_start)s
                AND e.date <= %(as_of)s
            GROUP BY e.student_id, e.date
        ),
        w AS (SELECT student_id, {sums} FROM d GROUP BY student_id),
        n AS (
            SELECT e.student_id, e.date AS day, {day_news}
            FROM c
            JOIN {events} e ON e.student_id = c.student_id AND e.site_id = c.site_id
                AND e.date > c.old_as_of AND e.date >= c.lo AND e.date <= c.hi
            JOIN {days} sd ON sd.site_id = e.site_id AND sd.date = e.date
                AND sd.is_instructional AND sd.school_year = %(year)s
            WHERE c.has_news = 1 AND e.district_id = %(district)s AND e.date <= %(as_of)s
            GROUP BY e.student_id, e.date
        ),
        v AS (SELECT student_id, {news_sums} FROM n GROUP BY student_id)"""  # noqa: S608
        window = """LEFT JOIN w ON w.student_id = c.student_id
            LEFT JOIN v ON v.student_id = c.student_id"""
        old_total = f"CAST(ROUND({table}.days_absent * 100) AS INTEGER)"
        early_length = f"json_array_length({table}.early_absences)"

        def days_of(hundredths: str) -> str:
            return f"({hundredths} / 100.0)"

        def as_text(hundredths: str) -> str:
            return f"printf('%%.2f', {days_of(hundredths)})"

        def early_set(early: str, value: str) -> str:
            return f"json_set({early}, '$[' || (c.old_months - 1) || ']', {value})"

        def early_append(early: str, value: str) -> str:
            return f"json_insert({early}, '$[#]', {value})"

    enrolled = f"({table}.days_enrolled + c.new_days)"
    # The day's events, when the row has new ones (on its one new enrolled day): the totals grow,
    # a run goes on when that day is a whole day absent (ends when not), the early months that
    # day falls in count it.
    news = "COALESCE(v.new_days_seen, 0) > 0"
    absent_total = f"({old_total} + COALESCE(v.new_absent, 0))"
    early = f"{table}.early_absences"
    bumped = f"""CASE WHEN c.bump_last = 1 AND COALESCE(v.new_absent, 0) > 0
        THEN {early_set(early, as_text(absent_total))} ELSE {early} END"""
    appended = early_append(
        bumped,
        f"CASE WHEN c.bump_new = 1 THEN {as_text(absent_total)} ELSE {as_text(old_total)} END",
    )
    sql = f"""
        WITH c AS ({source}){window_cte}
        UPDATE {table} SET
            as_of = %(as_of)s,
            days_enrolled = {enrolled},
            days_absent = CASE WHEN {news} THEN {days_of(absent_total)}
                ELSE {table}.days_absent END,
            days_unexcused = CASE WHEN {news} THEN {table}.days_unexcused + v.new_unexcused
                ELSE {table}.days_unexcused END,
            late_arrivals = CASE WHEN {news} THEN {table}.late_arrivals + v.new_late
                ELSE {table}.late_arrivals END,
            last_absent_on = COALESCE(v.new_last_absent, {table}.last_absent_on),
            rate = {_rate(enrolled, absent_total, postgres)},
            chronic = ({enrolled} >= %(min_days)s
                AND {absent_total} * 1000 >= {enrolled} * 100 * %(share)s),
            chronic_last_year = (c.chronic_last_year = 1),
            rate_last_4_weeks = {_rate("c.enr_last", "COALESCE(w.missed_last, 0)", postgres)},
            rate_previous_4_weeks = {_rate("c.enr_prev", "COALESCE(w.missed_prev, 0)", postgres)},
            consecutive_absences = CASE WHEN c.new_days = 0 THEN {table}.consecutive_absences
                WHEN COALESCE(v.new_whole, 0) > 0 THEN {table}.consecutive_absences + 1
                ELSE 0 END,
            consecutive_unexcused = CASE WHEN c.new_days = 0 THEN {table}.consecutive_unexcused
                WHEN COALESCE(v.new_unexcused, 0) > 0 THEN {table}.consecutive_unexcused + 1
                ELSE 0 END,
            early_absences = CASE WHEN c.add_month = 1 THEN {appended} ELSE {bumped} END,
            computed_at = %(now)s
        FROM c {window}
        WHERE {table}.student_id = c.student_id AND {table}.school_year = %(year)s
            AND {table}.district_id = %(district)s AND {table}.as_of = c.old_as_of
            AND {table}.site_id = c.site_id AND {table}.days_enrolled = c.old_enrolled
            AND {early_length} = c.old_months
            AND (c.news_ok = 1 OR NOT {news})
    """  # noqa: S608 - names from the models, values bound
    if postgres:
        with bulk_cursor() as cursor:
            cursor.execute(sql, params, prepare=False)
            carried: int = cursor.rowcount
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            carried = cursor.rowcount
    rows_written.send(sender=StudentAttendance)
    return carried
