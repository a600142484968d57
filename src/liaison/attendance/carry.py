"""Carrying forward, in one UPDATE, every student's measures over a day's file.

After a day's file most students (about nine in ten) have no new event: every enrolled day since
their stored row is a day present. Their totals stay; days enrolled grow by the new days, the
rates and the chronic flag follow from the stored counts, runs of absences end, a school month
begun since records the unchanged total, and the trend windows slide: the days missed in each
(exact behind the stored rate, kept to four places over at most 28 days), less the days it let go
of since the stored date, plus those it took in, read from the events by the database (a day's
file: the events of three or four days, not of eight weeks). The others (about 7,000 of 100,000) have the day's
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
from liaison.core.db import array_param, bulk_cursor, rows_written

# The columns of one carried student, and of the numbers students share (those of a school and
# a spell, from a stored date: a few hundred in a district), in the order the statement reads them.
STUDENT = ("student_id", "chronic_last_year", "kn")
FIELDS = (
    "kn",  # the numbers' own number
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
    "news_ok",  # 1 when the new events can be added: one enrolled day since the stored date
    "bump_last",  # 1 when that day falls in the last early month stored (its total grows)
    "bump_new",  # 1 when it falls in the month begun since (that month's total counts it)
    # The four-week windows slide: enrolled days in them as of the stored date (the stored rates
    # give the days missed), and the days each has let go of since, from (inclusive) to.
    "old_last",
    "old_prev",
    "out_last_from",
    "out_last_to",
    "out_prev_from",
    "out_prev_to",
)


# PostgreSQL's memory for the carrying statement's sorts and hashes (see apply).
WORK_MEM = "64MB"


def _starts(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The first days of the last four weeks to `as_of` and of the four weeks before."""
    last_start = as_of - dt.timedelta(days=M.TREND_DAYS - 1)
    return last_start, last_start - dt.timedelta(days=M.TREND_DAYS)


@dataclass
class Plan:
    rows: list[tuple[int, int, int]]  # as STUDENT
    refused: list[int]  # students to compute from all their events instead
    keys: list[tuple[object, ...]]  # as FIELDS


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
) -> Plan:
    """The UPDATE's row for each of these students (each has a stored row dated no later than
    calendar.as_of), or their place among the refused."""
    as_of = calendar.as_of
    last_start = as_of - dt.timedelta(days=M.TREND_DAYS - 1)
    prev_start = last_start - dt.timedelta(days=M.TREND_DAYS)
    prev_end = last_start - dt.timedelta(days=1)
    months_now = months_begun(calendar, as_of)
    one_day = dt.timedelta(days=1)

    def count(site_id: int, lo: dt.date, hi: dt.date) -> int:
        return calendar.count(site_id, lo, hi) if lo <= hi else 0

    ends = calendar.month_ends
    known: dict[tuple[int, dt.date, dt.date, dt.date], int | None] = {}
    keys: list[tuple[object, ...]] = []
    rows: list[tuple[int, int, int]] = []
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
            number = known[key]
        else:
            months_old = months_begun(calendar, old)
            if months_now - months_old > 1:
                number = None  # two school months begun since: computed in full
            elif (as_of - old).days > M.TREND_DAYS:
                number = None  # the four weeks wholly new: computed in full
            else:
                old_last, old_prev = _starts(old)
                new_days = calendar.between(s.site_id, max(s.start, old + one_day), s.end)
                # Events since the stored date are added to the row when they all fall on one
                # enrolled day (a day's file); the early months' totals that day falls in grow.
                day = new_days[0] if len(new_days) == 1 else None
                number = len(keys)
                keys.append(
                    (
                        number,
                        s.site_id,
                        s.start.isoformat(),
                        s.end.isoformat(),
                        old.isoformat(),
                        count(s.site_id, s.start, min(s.end, old)),
                        months_old,
                        len(new_days),
                        count(s.site_id, max(s.start, last_start), s.end),
                        count(s.site_id, max(s.start, prev_start), min(s.end, prev_end)),
                        months_now - months_old,
                        1 if day else 0,
                        1 if day and day <= ends[months_old - 1] else 0,
                        1 if day and months_now > months_old and day <= ends[months_old] else 0,
                        count(s.site_id, max(s.start, old_last), min(s.end, old)),
                        count(s.site_id, max(s.start, old_prev), min(s.end, old_last - one_day)),
                        old_last.isoformat(),
                        last_start.isoformat(),
                        old_prev.isoformat(),
                        prev_start.isoformat(),
                    )
                )
            known[key] = number
        if number is None:
            refused.append(sid)
            continue
        rows.append((sid, 1 if sid in chronic_last_year else 0, number))
    return Plan(rows, refused, keys)


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
    rows: list[tuple[int, int, int]],
    keys: list[tuple[object, ...]],
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
    # The days whose events the statement reads: those the windows let go of since each stored
    # date, and the new days (a day's file: three or four days of 28, a tenth of the events).
    read: set[dt.date] = set()
    for old in {M.as_date(str(k[4])) for k in keys}:
        old_last, old_prev = _starts(old)
        for lo, hi in ((old_last, last_start), (old_prev, prev_start)):
            read.update(lo + dt.timedelta(days=k) for k in range((hi - lo).days))
        read.update(old + dt.timedelta(days=k) for k in range(1, (as_of - old).days + 1))
    sites = sorted({int(str(k[1])) for k in keys})
    # A day's weight in hundredths of a day absent: a whole day, a partial day, or none (late);
    # and what else measures.day_weights reads of the day: a whole day absent, without excuse,
    # late arrivals, any absence (the last day absent). Then where the day stands for the
    # student: new (after the stored date), or let go by the last four weeks or the four before.
    per_day = """MAX(CASE WHEN e.category IN (%(absent1)s, %(absent2)s) THEN 100
            WHEN e.category IN (%(partial1)s, %(partial2)s) THEN %(partial)s ELSE 0 END) AS weight,
        MAX(CASE WHEN e.category IN (%(absent1)s, %(absent2)s) THEN 1 ELSE 0 END) AS whole,
        MAX(CASE WHEN e.category = %(absent2)s THEN 1 ELSE 0 END) AS unexcused,
        SUM(CASE WHEN e.category = %(tardy)s THEN 1 ELSE 0 END) AS late,
        MAX(CASE WHEN e.category IN (%(absent1)s, %(absent2)s, %(partial1)s, %(partial2)s)
            THEN 1 ELSE 0 END) AS marked,
        MAX(CASE WHEN e.date > c.old_as_of THEN 1 ELSE 0 END) AS news,
        MAX(CASE WHEN e.date >= c.out_last_from AND e.date < c.out_last_to THEN 1 ELSE 0 END)
            AS out_last,
        MAX(CASE WHEN e.date >= c.out_prev_from AND e.date < c.out_prev_to THEN 1 ELSE 0 END)
            AS out_prev"""
    if postgres:
        types = ["int", "bigint", "date", "date", "date"] + ["int"] * 11 + ["date"] * 4
        marks = []
        for name, values, kinds in (("k", keys, types), ("s", rows, ["bigint", "int", "int"])):
            for i, (column, t) in enumerate(zip(zip(*values, strict=True), kinds, strict=True)):
                mark, params[f"{name}{i}"] = array_param(column, t)
                marks.append(mark.replace("%", f"%({name}{i})", 1))
        shared = f"SELECT * FROM unnest({', '.join(marks[: len(types)])}) AS u({', '.join(FIELDS)})"  # noqa: S608
        students = (
            f"SELECT * FROM unnest({', '.join(marks[len(types) :])}) AS u({', '.join(STUDENT)})"  # noqa: S608
        )
        old_total = f"CAST(ROUND({table}.days_absent * 100) AS BIGINT)"
        integer = "BIGINT"
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
        # json_extract reads the whole row each time: the students' rows hold three numbers.
        extracts = ", ".join(
            f"json_extract(value, '$[{i}]') AS {name}" for i, name in enumerate(FIELDS)
        )
        shared = f"SELECT {extracts} FROM json_each(%(keys)s)"  # noqa: S608
        params["keys"] = json.dumps(keys, separators=(",", ":"))
        extracts = ", ".join(
            f"json_extract(value, '$[{i}]') AS {name}" for i, name in enumerate(STUDENT)
        )
        students = f"SELECT {extracts} FROM json_each(%(rows)s)"  # noqa: S608
        params["rows"] = json.dumps(rows, separators=(",", ":"))
        old_total = f"CAST(ROUND({table}.days_absent * 100) AS INTEGER)"
        integer = "INTEGER"
        early_length = f"json_array_length({table}.early_absences)"

        def days_of(hundredths: str) -> str:
            return f"({hundredths} / 100.0)"

        def as_text(hundredths: str) -> str:
            return f"printf('%%.2f', {days_of(hundredths)})"

        def early_set(early: str, value: str) -> str:
            return f"json_set({early}, '$[' || (c.old_months - 1) || ']', {value})"

        def early_append(early: str, value: str) -> str:
            return f"json_insert({early}, '$[#]', {value})"

    sums = """SUM(out_last * weight) AS out_last, SUM(out_prev * weight) AS out_prev,
        SUM(news) AS new_days_seen, SUM(news * weight) AS new_absent,
        SUM(news * whole) AS new_whole, SUM(news * unexcused) AS new_unexcused,
        SUM(news * late) AS new_late,
        MAX(CASE WHEN news = 1 AND marked = 1 THEN day END) AS new_last_absent"""
    # The events of those days at the schools carried, on their school days (through the
    # (school, day) index: a tenth of the eight weeks' events), read first, then each kept when
    # on a day of the student's spell, and summed by student. (Read per student, as a planner
    # may choose, they would be every student's events of the year; SQLite keeps the order of a
    # CROSS JOIN.)
    if postgres:
        among = "sd.site_id = ANY(%(sites)s::int[]) AND sd.date = ANY(%(days)s::date[])"
        params.update(sites=sites, days=sorted(read))
    else:
        among = """sd.site_id IN (SELECT value FROM json_each(%(sites)s))
            AND sd.date IN (SELECT value FROM json_each(%(days)s))"""
        params.update(
            sites=json.dumps(sites), days=json.dumps([day.isoformat() for day in sorted(read)])
        )
    join = "JOIN" if postgres else "CROSS JOIN"
    # SQLite: a unary + keeps a term from being used to look rows up (it would build an index on
    # a column of c with three values, and search it for every row of the table).
    plain = "" if postgres else "+"
    window = f""",
        ev AS MATERIALIZED (
            SELECT e.student_id, e.site_id, e.date, e.category FROM {days} sd
            {join} {events} e ON e.site_id = sd.site_id AND e.date = sd.date
            WHERE {among} AND sd.is_instructional AND sd.school_year = %(year)s
        ),
        d AS (
            SELECT e.student_id, e.date AS day, {per_day}
            FROM c {join} ev e ON e.student_id = c.student_id AND e.site_id = c.site_id
                AND e.date >= c.lo AND e.date <= c.hi
            GROUP BY e.student_id, e.date
        ),
        w AS (SELECT student_id, {sums} FROM d GROUP BY student_id)"""  # noqa: S608

    def missed(rate: str, enrolled: str) -> str:
        """The hundredths of days missed behind a stored rate over `enrolled` days: exact, as a
        rate is kept to four places and a window holds at most 28 days."""
        return f"""(CASE WHEN {enrolled} > 0
            THEN CAST(ROUND((1 - {table}.{rate}) * {enrolled} * 100) AS {integer}) ELSE 0 END)"""

    missed_last = (
        f"({missed('rate_last_4_weeks', 'c.old_last')} - COALESCE(w.out_last, 0)"
        " + COALESCE(w.new_absent, 0))"
    )
    missed_prev = (
        f"({missed('rate_previous_4_weeks', 'c.old_prev')} - COALESCE(w.out_prev, 0)"
        " + COALESCE(w.out_last, 0))"
    )
    enrolled = f"({table}.days_enrolled + c.new_days)"
    # The day's events, when the row has new ones (on its one new enrolled day): the totals grow,
    # a run goes on when that day is a whole day absent (ends when not), the early months that
    # day falls in count it.
    news = "COALESCE(w.new_days_seen, 0) > 0"
    absent_total = f"({old_total} + COALESCE(w.new_absent, 0))"
    early = f"{table}.early_absences"
    bumped = f"""CASE WHEN c.bump_last = 1 AND COALESCE(w.new_absent, 0) > 0
        THEN {early_set(early, as_text(absent_total))} ELSE {early} END"""
    appended = early_append(
        bumped,
        f"CASE WHEN c.bump_new = 1 THEN {as_text(absent_total)} ELSE {as_text(old_total)} END",
    )
    sql = f"""
        WITH k AS MATERIALIZED ({shared}),
        c AS MATERIALIZED (
            SELECT s.student_id, s.chronic_last_year, k.* FROM ({students}) s
            {join} k ON k.kn = s.kn
        ){window}
        UPDATE {table} SET
            as_of = %(as_of)s,
            days_enrolled = {enrolled},
            days_absent = CASE WHEN {news} THEN {days_of(absent_total)}
                ELSE {table}.days_absent END,
            days_unexcused = CASE WHEN {news} THEN {table}.days_unexcused + w.new_unexcused
                ELSE {table}.days_unexcused END,
            late_arrivals = CASE WHEN {news} THEN {table}.late_arrivals + w.new_late
                ELSE {table}.late_arrivals END,
            last_absent_on = COALESCE(w.new_last_absent, {table}.last_absent_on),
            rate = {_rate(enrolled, absent_total, postgres)},
            chronic = ({enrolled} >= %(min_days)s
                AND {absent_total} * 1000 >= {enrolled} * 100 * %(share)s),
            chronic_last_year = (c.chronic_last_year = 1),
            rate_last_4_weeks = {_rate("c.enr_last", missed_last, postgres)},
            rate_previous_4_weeks = {_rate("c.enr_prev", missed_prev, postgres)},
            consecutive_absences = CASE WHEN c.new_days = 0 THEN {table}.consecutive_absences
                WHEN COALESCE(w.new_whole, 0) > 0 THEN {table}.consecutive_absences + 1
                ELSE 0 END,
            consecutive_unexcused = CASE WHEN c.new_days = 0 THEN {table}.consecutive_unexcused
                WHEN COALESCE(w.new_unexcused, 0) > 0 THEN {table}.consecutive_unexcused + 1
                ELSE 0 END,
            early_absences = CASE WHEN c.add_month = 1 THEN {appended} ELSE {bumped} END,
            computed_at = %(now)s
        FROM c LEFT JOIN w ON w.student_id = c.student_id
        WHERE {table}.student_id = c.student_id AND {table}.school_year = %(year)s
            AND {table}.district_id = %(district)s AND {table}.as_of = {plain}c.old_as_of
            AND {table}.site_id = {plain}c.site_id AND {table}.days_enrolled = {plain}c.old_enrolled
            AND {early_length} = {plain}c.old_months
            AND (c.news_ok = 1 OR NOT {news})
            AND (c.old_last = 0 OR {table}.rate_last_4_weeks IS NOT NULL)
            AND (c.old_prev = 0 OR {table}.rate_previous_4_weeks IS NOT NULL)
    """  # noqa: S608 - names from the models, values bound
    if postgres:
        with bulk_cursor() as cursor:
            # The students' numbers (a row each) are sorted and hashed twice: with the default
            # 4 MB they spilled to disk and the planner chose 100,000 index probes into the table
            # over one pass (2.0 s against 1.4 s at 100,000 students). For this statement only.
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            cursor.execute(sql, params, prepare=False)
            carried: int = cursor.rowcount
            cursor.execute("SET LOCAL work_mem TO DEFAULT")
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            carried = cursor.rowcount
    rows_written.send(sender=StudentAttendance)
    return carried
