"""Attendance nudges: the family is told, in its language, the day a child is absent, with the
child's real numbers (days missed so far, a typical classmate's, what the school can help with).

One message per household and school day, siblings named together; never about a child one of
whose guardians is under a contact restriction (a person decides what such a family is told);
never for a closure day, and never handed over on a day that is not a school day at the child's
school or inside the district's quiet hours (the delivery pipeline then also holds texts for each
guardian's own quiet hours). The message is written in the household's shared thread, so the
family's answer by text, email or the portal lands beside it (barriers.py offers the next step).
Texts are the portal catalogues' "family" sentences, worded per language when the pipeline renders
the message (registered with language.wordings in AttendanceConfig.ready()).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import format_decimal
from django.db import transaction
from django.db.models import Count, ExpressionWrapper, F, IntegerField
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from liaison.attendance.choices import WHOLE_DAY_ABSENCES
from liaison.attendance.models import (
    AttendanceEvent,
    AttendanceNudge,
    SchoolDay,
    StudentAttendance,
    rules_for,
    school_year_of,
)
from liaison.core.dates import local_date, reader_locale
from liaison.core.db import IdIn, insert_new_rows, reserve_ids, update_rows, without_jit
from liaison.language.rendering import ORIGINAL, UNTRANSLATED
from liaison.language.wordings import Wording, register_wording, wording_context
from liaison.messaging import services as messaging
from liaison.messaging.models import Message
from liaison.messaging.outbox import quiet_hours, quiet_until, zone
from liaison.people.models import Guardian, GuardianStudent, Student

NUDGE_WORDING = "attendance.nudge"
NUDGE_KIND = "attendance_nudge"
# An absence reported later than this (a late correction) is counted, but not nudged: a text
# about a day long past reads as a reproach, not as help.
RECENT_DAYS = 3
# How far ahead the calendar is searched for the next school day to send on.
LOOK_AHEAD_DAYS = 30
# "A typical classmate" is said only when the grade at that school has at least this many students.
MIN_CLASSMATES = 5

# Why a student's family was not nudged, in words (NudgeResult.skipped's keys).
SKIP_REASONS = {
    "off": _("the district has turned attendance messages off"),
    "not_recent": _("the day is too long ago to tell families about"),
    "not_a_school_day": _("the day is not a school day at the child's school"),
    "restricted": _("a guardian of the child is under a contact restriction"),
    "measures_not_ready": _("the child's attendance figures are not computed yet"),
    "already_told": _("the family has already had an attendance message for that day"),
    "nobody_reachable": _("no guardian of the family can be sent messages"),
    "no_school_day_ahead": _("the calendar has no school day ahead to send on"),
}


@dataclass
class NudgeResult:
    day: dt.date
    messages: list[int] = field(default_factory=list)
    students: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        return len(self.messages)

    def skipped_in_words(self) -> list[str]:
        return [f"{SKIP_REASONS[code]}: {n}" for code, n in sorted(self.skipped.items())]


def send_days_nudges(
    *, district: Any, day: dt.date, site_ids: Any = None, now: dt.datetime | None = None
) -> NudgeResult:
    """Tell each family whose child was absent on `day` (a whole day, excused or not), once.

    Running it again for the same day sends nothing new. Returns what was sent and, by reason,
    how many absent students' families were not told. One transaction: on SQLite two runs then
    take turns (its writers queue for the one write lock); on PostgreSQL the nudges' unique
    constraints decide between them (_claim)."""
    with transaction.atomic():
        without_jit()
        return _days_nudges(district=district, day=day, site_ids=site_ids, now=now)


def _days_nudges(
    *, district: Any, day: dt.date, site_ids: Any, now: dt.datetime | None
) -> NudgeResult:
    result = NudgeResult(day=day)
    now = now or timezone.now()
    tz = zone(district.time_zone)
    today = now.astimezone(tz).date()
    rules = rules_for(district)
    # The district compared as `district_id + 0`, which no index serves: SQLite without
    # statistics otherwise reads the district's whole year of events through the district index
    # (60 ms at 100,000 students) instead of each school's day through the (site, date) one (4 ms).
    events = (
        AttendanceEvent.objects.alias(
            of_district=ExpressionWrapper(F("district_id") + 0, output_field=IntegerField())
        )
        .filter(of_district=district.pk)
        .filter(date=day, category__in=WHOLE_DAY_ABSENCES)
    )
    if site_ids is not None:
        events = events.filter(site_id__in=list(site_ids))
    site_of = dict(events.values_list("student_id", "site_id"))
    if not site_of:
        return result
    if not rules.nudges_on:
        result.skipped["off"] += len(site_of)
        return result
    if day > today or (today - day).days > RECENT_DAYS:
        result.skipped["not_recent"] += len(site_of)
        return result

    school_sites = set(
        SchoolDay.objects.filter(
            site_id__in=set(site_of.values()), date=day, is_instructional=True
        ).values_list("site_id", flat=True)
    )
    # The day's absent students, read once above, bound as one parameter (IdIn): as a subquery
    # each of the statements below read the day's events again (on SQLite through the district's
    # index, the whole year's events).
    absent = list(site_of)
    students = {
        s["pk"]: s
        for s in Student.objects.filter(
            IdIn("pk", absent),
            is_active=True,
            household__isnull=False,
            household__is_active=True,
        ).values("pk", "household_id", "given_name", "preferred_name", "grade")
    }
    restricted = _students_with_restricted_guardian(absent)
    year = school_year_of(day, rules.year_starts)
    measures = {
        m["student_id"]: m
        for m in StudentAttendance.objects.filter(
            IdIn("student_id", absent), school_year=year, as_of__gte=day
        ).values("student_id", "days_absent", "days_enrolled", "site_id")
    }
    by_household: dict[int, list[int]] = defaultdict(list)
    for student_id, site_id in site_of.items():
        student = students.get(student_id)
        if student is None:
            continue  # no longer active, or in no household: nobody to tell
        if site_id not in school_sites:
            result.skipped["not_a_school_day"] += 1
        elif student_id in restricted:
            result.skipped["restricted"] += 1
        elif student_id not in measures:
            result.skipped["measures_not_ready"] += 1
        else:
            by_household[student["household_id"]].append(student_id)
    if not by_household:
        return result

    told = set(
        AttendanceNudge.objects.filter(district=district, day=day).values_list(
            "household_id", flat=True
        )
    ) & set(by_household)
    for household_id in told:
        result.skipped["already_told"] += len(by_household.pop(household_id))
    typical = _typical_days_missed(
        district,
        year,
        {(site_of[s], students[s]["grade"]) for ids in by_household.values() for s in ids},
    )
    send_days = _send_moments(district, {site_of[s] for v in by_household.values() for s in v}, now)
    recipients = _recipients(by_household)
    planned: list[_Planned] = []
    for household_id, student_ids in sorted(by_household.items()):
        student_ids.sort(key=lambda s: students[s]["preferred_name"] or students[s]["given_name"])
        guardian_ids = recipients.get(household_id, [])
        if not guardian_ids:
            result.skipped["nobody_reachable"] += len(student_ids)
            continue
        moment = send_days.get(site_of[student_ids[0]])
        if moment is None:
            result.skipped["no_school_day_ahead"] += len(student_ids)
            continue
        children = [
            {
                "name": students[s]["preferred_name"] or students[s]["given_name"],
                "missed": str(measures[s]["days_absent"]),
                "enrolled": measures[s]["days_enrolled"],
                "typical": typical.get((site_of[s], students[s]["grade"])),
            }
            for s in student_ids
        ]
        planned.append(_Planned(household_id, student_ids, guardian_ids, moment, children))
    sent = _send_all(district=district, day=day, now=now, planned=planned)
    for plan in planned:
        message_id = sent.get(plan.household_id)
        if message_id is None:
            result.skipped["already_told"] += len(plan.student_ids)
            continue
        result.messages.append(message_id)
        result.students += len(plan.student_ids)
    return result


@dataclass
class _Planned:
    household_id: int
    student_ids: list[int]
    guardian_ids: list[int]
    moment: dt.datetime
    children: list[dict[str, Any]]


def _send_all(
    *, district: Any, day: dt.date, now: dt.datetime, planned: list[_Planned]
) -> dict[int, int]:
    """Every planned household's message and its AttendanceNudge, in one transaction and a few
    statements whatever their number. Returns household id → message id for those sent.

    The households are claimed first (_claim: the nudges' unique constraints decide), so a second
    run, even one racing this one, finds them told and sends nothing; then the messages, their
    renderings and deliveries are written together (messaging.send_notices) and the delivery
    worker is kicked once, after the commit. On PostgreSQL each nudge is written with the id its
    message will have (reserve_ids), rather than updated with it afterwards (a second write of
    each row and of its indexes)."""
    if not planned:
        return {}
    tz = zone(district.time_zone)
    with transaction.atomic():
        reserved = reserve_ids(Message, len(planned))
        ahead = (
            None
            if reserved is None
            else dict(zip((p.household_id for p in planned), reserved, strict=True))
        )
        claimed = _claim(district=district, day=day, now=now, planned=planned, tz=tz, ids=ahead)
        chosen = [p for p in planned if p.household_id in claimed]
        if not chosen:
            return {}
        notices = []
        for plan in chosen:
            context = wording_context(
                NUDGE_WORDING,
                day=day.isoformat(),
                children=plan.children,
                phone=district.contact_phone,
            )
            english = nudge_wording("en", context)
            notices.append(
                messaging.HouseholdNotice(
                    household_id=plan.household_id,
                    guardian_ids=plan.guardian_ids,
                    subject=english.subject,
                    body=english.body,
                    context=context,
                    dedupe_key=_dedupe_key(plan.household_id, day),
                    send_at=plan.moment if plan.moment > now else None,
                    related_type=NUDGE_RELATED_TYPE,
                    related_id=str(claimed[plan.household_id]),
                    message_id=None if ahead is None else ahead[plan.household_id],
                )
            )
        message_ids = messaging.send_notices(district=district, notices=notices, kind=NUDGE_KIND)
        # Each nudge points at its message (one statement: update_rows): those written ahead
        # only where no message was written under the id (its dedupe key was already used).
        update_rows(
            AttendanceNudge,
            ["message_id"],
            [
                (message_id, claimed[plan.household_id])
                for plan, message_id in zip(chosen, message_ids, strict=True)
                if (message_id is not None and ahead is None)
                or (ahead is not None and message_id != ahead[plan.household_id])
            ],
        )
    return {
        plan.household_id: message_id
        for plan, message_id in zip(chosen, message_ids, strict=True)
        if message_id is not None
    }


NUDGE_RELATED_TYPE = "attendance.attendancenudge"


def _dedupe_key(household_id: int, day: dt.date) -> str:
    return f"attendance-nudge-{household_id}-{day.isoformat()}"


def _claim(
    *,
    district: Any,
    day: dt.date,
    now: dt.datetime,
    planned: list[_Planned],
    tz: Any,
    ids: dict[int, int] | None = None,
) -> dict[int, int]:
    """Write each household's AttendanceNudge unless one exists for that school day or for the
    day it would go out (INSERT … ON CONFLICT DO NOTHING: the two unique constraints decide, on
    PostgreSQL also against a run racing this one, which waits for ours to commit). Returns
    household id → nudge id for the rows this call wrote; households in id order, so two runs
    take the rows' locks in the same order. `ids`: household id → the id its message will be
    written under (reserve_ids), set on the nudge now."""
    columns = ["district_id", "household_id", "day", "sent_on", "student_ids", "created_at"]
    return dict(
        insert_new_rows(
            AttendanceNudge,
            columns if ids is None else [*columns, "message_id"],
            [
                (
                    district.pk,
                    p.household_id,
                    day,
                    p.moment.astimezone(tz).date(),
                    p.student_ids,
                    now,
                    *(() if ids is None else (ids[p.household_id],)),
                )
                for p in sorted(planned, key=lambda p: p.household_id)
            ],
            returning="household_id",
        )
    )


def _students_with_restricted_guardian(student_ids: list[int]) -> set[int]:
    """Students with a guardian under a contact restriction: linked to them, or in their household."""
    linked = GuardianStudent.objects.filter(
        IdIn("student_id", student_ids), guardian__contact_restricted=True
    ).values_list("student_id", flat=True)
    housed = Student.objects.filter(
        IdIn("pk", student_ids), household__guardians__contact_restricted=True
    ).values_list("pk", flat=True)
    return set(linked) | set(housed)


def _recipients(by_household: dict[int, list[int]]) -> dict[int, list[int]]:
    """Each household's guardians who may be sent messages, leaving out a guardian who may not
    receive school communications about any of the children named (by_household: household id →
    the ids of the children the message names)."""
    refused: dict[int, set[int]] = defaultdict(set)
    for guardian_id, student_id in GuardianStudent.objects.filter(
        IdIn("student_id", [s for ids in by_household.values() for s in ids]),
        may_receive_communications=False,
    ).values_list("guardian_id", "student_id"):
        refused[guardian_id].add(student_id)
    out: dict[int, list[int]] = defaultdict(list)
    for guardian_id, household_id in (
        Guardian.objects.filter(IdIn("household_id", by_household))
        .filter(is_active=True, contact_restricted=False)
        .order_by("pk")
        .values_list("pk", "household_id")
    ):
        if refused.get(guardian_id, set()) >= set(by_household[household_id]):
            continue
        out[household_id].append(guardian_id)
    return out


def _typical_days_missed(
    district: Any, year: int, groups: set[tuple[int, str]]
) -> dict[tuple[int, str], str]:
    """The median days missed this year by the students of each (school, grade), as a string.

    The database counts the students of each (school, grade, days missed): a grade's students
    share a few dozen totals, so a few thousand rows come back instead of a row per student of
    every school named (the whole district on a school day).

    The district's rows are named by district as well as by school (the measures are written per
    district, for its students at its schools, so that restricts nothing): SQLite then reads them
    through the (district, year) index, in the table's order, instead of through the (school,
    year) index, which jumps about the table for each school's students (0.1 s instead of 0.3 s
    at 100,000 students)."""
    if not groups:
        return {}
    counts: dict[tuple[int, str], list[tuple[Decimal, int]]] = defaultdict(list)
    rows = (
        StudentAttendance.objects.filter(
            district=district,
            school_year=year,
            site_id__in={site for site, _grade in groups},
            student__grade__in={grade for _site, grade in groups},
            days_enrolled__gt=0,
        )
        .values_list("site_id", "student__grade", "days_absent")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for site_id, grade, days, n in rows:
        if (site_id, grade) in groups:
            counts[(site_id, grade)].append((days, n))
    return {
        key: str(Decimal(_median(found)).quantize(Decimal("1")))
        for key, found in counts.items()
        if sum(n for _days, n in found) >= MIN_CLASSMATES
    }


def _median(counted: list[tuple[Decimal, int]]) -> Decimal:
    """statistics.median of the values, each given with how often it occurs."""
    counted = sorted(counted)
    total = sum(n for _value, n in counted)

    def at(index: int) -> Decimal:
        for value, n in counted:
            if index < n:
                return value
            index -= n
        raise IndexError(index)  # pragma: no cover - index < total

    if total % 2:
        return at(total // 2)
    return (at(total // 2 - 1) + at(total // 2)) / 2


def _send_moments(district: Any, site_ids: set[int], now: dt.datetime) -> dict[int, dt.datetime]:
    """For each school, the first moment from `now` that is outside the district's quiet hours and
    on one of the school's days of instruction (in the district's zone)."""
    tz = zone(district.time_zone)
    start, end = quiet_hours(district)
    moment = quiet_until(now, tz, start, end) or now
    first = moment.astimezone(tz).date()
    days: dict[int, list[dt.date]] = defaultdict(list)
    for site_id, date in (
        SchoolDay.objects.filter(
            site_id__in=list(site_ids),
            is_instructional=True,
            date__gte=first,
            date__lte=first + dt.timedelta(days=LOOK_AHEAD_DAYS),
        )
        .order_by("date")
        .values_list("site_id", "date")
    ):
        days[site_id].append(date)
    out = {}
    for site_id in site_ids:
        if not days[site_id]:
            continue
        date = days[site_id][0]
        if date == first:
            out[site_id] = moment
        else:
            out[site_id] = dt.datetime.combine(date, end, tzinfo=tz).astimezone(dt.UTC)
    return out


# --- the words -----------------------------------------------------------------------------------


# The words are made for thousands of families at once (a day's nudges): the few distinct numbers,
# dates and catalogue answers are worked out once per language, not once per family.
@lru_cache(maxsize=4096)
def _number(value: str | int | None, language: str) -> str:
    amount = Decimal(str(value or 0))
    return format_decimal(amount.normalize(), format="#,##0.#", locale=reader_locale(language))


@lru_cache(maxsize=512)
def _full_date(day: str, language: str) -> str:
    return local_date(dt.date.fromisoformat(day), "full", language)


@lru_cache(maxsize=128)
def has_catalogue(language: str) -> bool:
    """Whether the portal catalogues word family texts in `language` (English always)."""
    if (language or "en").split("-")[0] == "en":
        return True
    with translation.override(language):
        return pgettext("family", "School attendance") != "School attendance"


@lru_cache(maxsize=128)
def _nudge_sentences(language: str) -> dict[str, str]:
    """The nudge's sentences in `language`, looked up in the catalogues once per language."""
    with translation.override(language):
        return {
            "subject": pgettext("family", "School attendance"),
            "absent": pgettext("family", "%(name)s was not at school on %(date)s."),
            "missed": pgettext(
                "family",
                "Days missed this school year: %(missed)s (school days so far: %(enrolled)s).",
            ),
            "typical": pgettext("family", "Days a typical classmate has missed: %(typical)s."),
            "counts": pgettext("family", "Every school day counts, and we are here to help."),
            "help": pgettext(
                "family",
                "If something makes it hard to come to school, such as transport, illness, "
                "housing or bullying, reply to this message and we will help.",
            ),
            "call": pgettext("family", "You can also call us at %(phone)s."),
        }


def nudge_wording(language: str, context: dict[str, Any]) -> Wording:
    """The nudge in `language`; a language the catalogues lack gets English, marked untranslated
    (the pipeline adds the note in their language and flags the delivery for a person)."""
    worded = has_catalogue(language)
    language = language if worded else "en"
    words = _nudge_sentences(language)
    lines = []
    for child in context["children"]:
        lines.append(
            words["absent"] % {"name": child["name"], "date": _full_date(context["day"], language)}
        )
        lines.append(
            words["missed"]
            % {
                "missed": _number(child["missed"], language),
                "enrolled": _number(child["enrolled"], language),
            }
        )
        if child.get("typical") is not None:
            lines.append(words["typical"] % {"typical": _number(child["typical"], language)})
        lines.append("")
    lines.append(words["counts"])
    lines.append(words["help"])
    if context.get("phone"):
        lines.append(words["call"] % {"phone": context["phone"]})
    return Wording(words["subject"], "\n".join(lines), ORIGINAL if worded else UNTRANSLATED)


def register() -> None:
    register_wording(NUDGE_WORDING, nudge_wording)
