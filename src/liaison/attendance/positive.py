"""Tier 1 positive notes: a short, warm note to the family, in its language, when a child's
attendance clearly improved (the last four weeks' rate up by at least 5 points, to at least 90%)
or a whole calendar month went by without an absence.

At most one note per student and month (PositiveNote's unique constraint), siblings named in one
message, never about a child one of whose guardians is under a contact restriction, never to a
family that already has an attendance message going out that day, and handed over only on a
school day outside the district's quiet hours, through the same bulk path as the nudges
(messaging.send_notices in the household's thread). A district may turn the notes off
(`AttendanceRules.positive_notes_on`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from liaison.attendance import measures as M
from liaison.attendance.choices import PART_DAY_ABSENCES, WHOLE_DAY_ABSENCES
from liaison.attendance.models import (
    AttendanceEvent,
    AttendanceNudge,
    PositiveNote,
    SchoolDay,
    StudentAttendance,
    rules_for,
    school_year_of,
)
from liaison.attendance.nudges import (
    RECENT_DAYS,
    _recipients,
    _send_moments,
    _students_with_restricted_guardian,
    has_catalogue,
)
from liaison.core.db import IdIn, insert_new_rows, update_rows, without_jit
from liaison.language.rendering import ORIGINAL, UNTRANSLATED
from liaison.language.wordings import Wording, register_wording, wording_context
from liaison.messaging import services as messaging
from liaison.messaging.outbox import zone
from liaison.people.models import Enrolment, Student

POSITIVE_WORDING = "attendance.positive"
POSITIVE_KIND = "attendance_positive"
POSITIVE_RELATED_TYPE = "attendance.positivenote"
# "Clearly improved": the last four weeks' attendance rate at least this high…
IMPROVED_TO = Decimal("0.90")
# …and at least this much above the four weeks before.
IMPROVED_BY = Decimal("0.05")
# A month is praised as "not a day missed" only when the school held at least this many days in it
# (a month of holidays is no achievement).
MIN_MONTH_SCHOOL_DAYS = 10

IMPROVED = PositiveNote.Reason.IMPROVED
PERFECT_MONTH = PositiveNote.Reason.PERFECT_MONTH

SKIP_REASONS = {
    "off": _("the district has turned positive notes off"),
    "not_recent": _("the figures are too old to write about"),
    "restricted": _("a guardian of the child is under a contact restriction"),
    "already_noted": _("the child already had a positive note this month"),
    "told_today": _("the family already has an attendance message going out that day"),
    "nobody_reachable": _("no guardian of the family can be sent messages"),
    "no_school_day_ahead": _("the calendar has no school day ahead to send on"),
}


@dataclass
class PositiveResult:
    as_of: dt.date
    messages: list[int] = field(default_factory=list)
    students: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        return len(self.messages)

    def skipped_in_words(self) -> list[str]:
        return [f"{SKIP_REASONS[code]}: {n}" for code, n in sorted(self.skipped.items())]


def month_before(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar month before `day`'s."""
    last = day.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def _praised(district: Any, as_of: dt.date, site_ids: Any) -> tuple[Any, Q, Q | None]:
    """The measures rows of `as_of`'s school year, and the two conditions for a note: a clear
    improvement, and a month without an absence (None when no school held a full month).

    A row counts only when computed up to `as_of`: its callers read each row's date and keep those
    (see `_computed_by`). A filter on the date would leave PostgreSQL's planner, whose statistics
    end at the last day analysed, expecting no row at all, and it then probed the district's
    enrolments and events once per student (0.7 s at 100,000 students) instead of hashing them."""
    rules = rules_for(district)
    year = school_year_of(as_of, rules.year_starts)
    rows = StudentAttendance.objects.filter(district=district, school_year=year)
    if site_ids is not None:
        rows = rows.filter(site_id__in=list(site_ids))
    improved = Q(rate_last_4_weeks__gte=IMPROVED_TO, rate_previous_4_weeks__isnull=False) & Q(
        rate_last_4_weeks__gte=F("rate_previous_4_weeks") + IMPROVED_BY
    )
    first, last = month_before(as_of)
    full_month_sites = list(
        SchoolDay.objects.filter(date__gte=first, date__lte=last, is_instructional=True)
        .filter(site__district=district)
        .values("site_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=MIN_MONTH_SCHOOL_DAYS)
        .values_list("site_id", flat=True)
    )
    if not full_month_sites:
        return rows, improved, None
    perfect = Q(site_id__in=full_month_sites) & Q(
        Exists(
            Enrolment.objects.filter(
                student_id=OuterRef("student_id"), site_id=OuterRef("site_id"), is_active=True
            ).filter(Q(starts_on__isnull=True) | Q(starts_on__lte=first))
        ),
        ~Exists(
            AttendanceEvent.objects.filter(
                student_id=OuterRef("student_id"),
                date__gte=first,
                date__lte=last,
                category__in=[*WHOLE_DAY_ABSENCES, *PART_DAY_ABSENCES],
            )
        ),
    )
    return rows, improved, perfect


def _computed_by(as_of: dt.date) -> Any:
    """A test of a row's date as the driver gives it (a date, or ISO text on SQLite): computed up
    to `as_of` or later."""
    seen: dict[Any, bool] = {}

    def test(raw: Any) -> bool:
        if raw not in seen:
            seen[raw] = M.as_date(raw) >= as_of
        return seen[raw]

    return test


def _reasons(is_improved: Any, is_perfect: Any) -> list[str]:
    return [
        reason for reason, holds in ((PERFECT_MONTH, is_perfect), (IMPROVED, is_improved)) if holds
    ]


def praiseworthy(*, district: Any, as_of: dt.date, site_ids: Any = None) -> dict[int, list[str]]:
    """Student id → the reasons for a positive note, from the measures computed up to `as_of`."""
    rows, improved, perfect = _praised(district, as_of, site_ids)
    either = improved if perfect is None else improved | perfect
    computed = _computed_by(as_of)
    return {
        student_id: _reasons(is_improved, is_perfect)
        for student_id, day, is_improved, is_perfect in M.raw_rows(
            rows.filter(either)
            .annotate(
                is_improved=ExpressionWrapper(improved, output_field=BooleanField()),
                is_perfect=ExpressionWrapper(perfect or Q(pk__in=[]), output_field=BooleanField()),
            )
            .values_list("student_id", "as_of", "is_improved", "is_perfect")
        )
        if computed(day)
    }


def _praiseworthy_unnoted(
    *, district: Any, as_of: dt.date, site_ids: Any, month: dt.date
) -> tuple[dict[int, list[str]], int]:
    """The praiseworthy students without a note this month (id → reasons), and how many with one
    are active in an active household (the students a run would have skipped as already noted).

    Each condition is its own query, the month without an absence as plain (NOT) EXISTS filters
    that PostgreSQL answers with a semi- and an anti-join instead of two subqueries per row; the
    rows come as the driver gives them: in the weeks after a month without absences most of the
    district is praiseworthy and already noted, and only the few others are read further."""
    rows, improved, perfect = _praised(district, as_of, site_ids)
    # Only children active in an active household: the others are neither praised nor counted
    # (a join the planner hashes once, where a per-row EXISTS flag was a second pass over them).
    rows = rows.filter(
        student__is_active=True,
        student__household__isnull=False,
        student__household__is_active=True,
    )
    noted = Exists(PositiveNote.objects.filter(student_id=OuterRef("student_id"), month=month))
    flags: dict[int, bool] = {}
    holds: dict[int, set[str]] = defaultdict(set)
    computed = _computed_by(as_of)
    for reason, condition in ((IMPROVED, improved), (PERFECT_MONTH, perfect)):
        if condition is None:
            continue
        found = rows.filter(condition).annotate(noted=noted)
        for student_id, day, is_noted in M.raw_rows(
            found.values_list("student_id", "as_of", "noted")
        ):
            if not computed(day):
                continue
            flags[student_id] = bool(is_noted)
            holds[student_id].add(reason)
    fresh: dict[int, list[str]] = {}
    already = 0
    for student_id, is_noted in flags.items():
        if is_noted:
            already += 1
        else:
            reasons = holds[student_id]
            fresh[student_id] = _reasons(IMPROVED in reasons, PERFECT_MONTH in reasons)
    return fresh, already


def send_positive_notes(
    *, district: Any, as_of: dt.date, site_ids: Any = None, now: dt.datetime | None = None
) -> PositiveResult:
    """Write each family a warm note about its children whose attendance deserves one (see the
    module's docstring), once a month per child. Running it again sends nothing new."""
    with transaction.atomic():
        without_jit()
        return _positive_notes(district=district, as_of=as_of, site_ids=site_ids, now=now)


def _positive_notes(
    *, district: Any, as_of: dt.date, site_ids: Any, now: dt.datetime | None
) -> PositiveResult:
    result = PositiveResult(as_of=as_of)
    now = now or timezone.now()
    tz = zone(district.time_zone)
    today = now.astimezone(tz).date()
    off = not rules_for(district).positive_notes_on
    if off or as_of > today or (today - as_of).days > RECENT_DAYS:
        everyone = praiseworthy(district=district, as_of=as_of, site_ids=site_ids)
        if everyone:
            result.skipped["off" if off else "not_recent"] += len(everyone)
        return result
    month = today.replace(day=1)
    # The students already noted this month are counted by the database, not read: after a month
    # without absences they are most of the district.
    found, noted = _praiseworthy_unnoted(
        district=district, as_of=as_of, site_ids=site_ids, month=month
    )
    if noted:
        result.skipped["already_noted"] += noted
    if not found:
        return result
    restricted = _students_with_restricted_guardian(list(found))
    students = {
        s["pk"]: s
        for s in Student.objects.filter(
            IdIn("pk", found), is_active=True, household__isnull=False, household__is_active=True
        )
        .order_by()
        .values("pk", "household_id", "given_name", "preferred_name")
    }
    site_of = dict(
        StudentAttendance.objects.filter(
            IdIn("student_id", students),
            school_year=school_year_of(as_of, rules_for(district).year_starts),
        ).values_list("student_id", "site_id")
    )
    by_household: dict[int, list[int]] = defaultdict(list)
    for student_id in sorted(found):
        student = students.get(student_id)
        if student is None:
            continue  # no longer active, or in no household: nobody to tell
        if student_id in restricted:
            result.skipped["restricted"] += 1
        else:
            by_household[student["household_id"]].append(student_id)
    if not by_household:
        return result
    moments = _send_moments(district, {site_of[s] for v in by_household.values() for s in v}, now)
    recipients = _recipients(by_household)
    planned: list[_Planned] = []
    for household_id, student_ids in sorted(by_household.items()):
        student_ids.sort(key=lambda s: students[s]["preferred_name"] or students[s]["given_name"])
        guardian_ids = recipients.get(household_id, [])
        if not guardian_ids:
            result.skipped["nobody_reachable"] += len(student_ids)
            continue
        moment = moments.get(site_of[student_ids[0]])
        if moment is None:
            result.skipped["no_school_day_ahead"] += len(student_ids)
            continue
        children = [
            {
                "name": students[s]["preferred_name"] or students[s]["given_name"],
                "reasons": [str(r) for r in found[s]],
            }
            for s in student_ids
        ]
        planned.append(
            _Planned(
                household_id,
                student_ids,
                guardian_ids,
                moment.astimezone(tz).date(),
                moment,
                children,
            )
        )
    # One attendance message a family a day: a household with an absence nudge or a note going out
    # that day waits (its children are not marked, so a later day's run may praise them).
    busy = _households_told_on(district, {(p.household_id, p.sent_on) for p in planned})
    waiting = [p for p in planned if (p.household_id, p.sent_on) in busy]
    for plan in waiting:
        result.skipped["told_today"] += len(plan.student_ids)
    # Kept in order without list.remove(), which compared whole plans, field by field, for each
    # household that waits.
    planned = [p for p in planned if (p.household_id, p.sent_on) not in busy]
    sent = _send_all(district=district, month=month, now=now, planned=planned, found=found)
    for plan in planned:
        message_id = sent.get(plan.household_id)
        if message_id is None:
            result.skipped["already_noted"] += len(plan.student_ids)
            continue
        result.messages.append(message_id)
        result.students += len(plan.student_ids)
    return result


@dataclass
class _Planned:
    household_id: int
    student_ids: list[int]
    guardian_ids: list[int]
    sent_on: dt.date
    moment: dt.datetime
    children: list[dict[str, Any]]


def _households_told_on(district: Any, pairs: set[tuple[int, dt.date]]) -> set[tuple[int, dt.date]]:
    if not pairs:
        return set()
    households = {h for h, _d in pairs}
    days = {d for _h, d in pairs}
    nudged = AttendanceNudge.objects.filter(
        district=district, household_id__in=households, sent_on__in=days
    ).values_list("household_id", "sent_on")
    noted = PositiveNote.objects.filter(
        district=district, household_id__in=households, sent_on__in=days
    ).values_list("household_id", "sent_on")
    return (set(nudged) | set(noted)) & pairs


def _send_all(
    *,
    district: Any,
    month: dt.date,
    now: dt.datetime,
    planned: list[_Planned],
    found: dict[int, list[str]],
) -> dict[int, int]:
    """Claim each planned child's note for the month (INSERT … ON CONFLICT DO NOTHING: the unique
    constraint decides, also against a run racing this one), then write the messages of the
    households with a child claimed, in one statement group (messaging.send_notices)."""
    if not planned:
        return {}
    with transaction.atomic():
        claimed = dict(
            insert_new_rows(
                PositiveNote,
                [
                    "district_id",
                    "student_id",
                    "household_id",
                    "month",
                    "reasons",
                    "sent_on",
                    "created_at",
                ],
                [
                    (
                        district.pk,
                        s,
                        p.household_id,
                        month,
                        [str(r) for r in found[s]],
                        p.sent_on,
                        now,
                    )
                    for p in sorted(planned, key=lambda p: p.household_id)
                    for s in p.student_ids
                ],
                returning="student_id",
            )
        )
        chosen = []
        for plan in planned:
            kept = [c for s, c in zip(plan.student_ids, plan.children, strict=True) if s in claimed]
            if kept:
                chosen.append((plan, kept))
        if not chosen:
            return {}
        notices = []
        for plan, children in chosen:
            context = wording_context(POSITIVE_WORDING, children=children)
            english = positive_wording("en", context)
            notices.append(
                messaging.HouseholdNotice(
                    household_id=plan.household_id,
                    guardian_ids=plan.guardian_ids,
                    subject=english.subject,
                    body=english.body,
                    context=context,
                    dedupe_key=f"attendance-positive-{plan.household_id}-{plan.sent_on.isoformat()}",
                    send_at=plan.moment if plan.moment > now else None,
                    related_type=POSITIVE_RELATED_TYPE,
                    related_id=str(min(claimed[s] for s in plan.student_ids if s in claimed)),
                )
            )
        message_ids = messaging.send_notices(district=district, notices=notices, kind=POSITIVE_KIND)
        update_rows(
            PositiveNote,
            ["message_id"],
            [
                (message_id, claimed[s])
                for (plan, _c), message_id in zip(chosen, message_ids, strict=True)
                if message_id is not None
                for s in plan.student_ids
                if s in claimed
            ],
        )
    return {
        plan.household_id: message_id
        for (plan, _c), message_id in zip(chosen, message_ids, strict=True)
        if message_id is not None
    }


# --- the words -----------------------------------------------------------------------------------


@lru_cache(maxsize=128)
def _sentences(language: str) -> dict[str, str]:
    with translation.override(language):
        return {
            "subject": pgettext("family", "Good news about school attendance"),
            IMPROVED: pgettext(
                "family", "%(name)s has been coming to school more often over the last four weeks."
            ),
            PERFECT_MONTH: pgettext(
                "family", "%(name)s did not miss a single school day last month."
            ),
            "thanks": pgettext(
                "family", "Thank you for all you do. Every school day makes a difference."
            ),
        }


def positive_wording(language: str, context: dict[str, Any]) -> Wording:
    """The note in `language`; a language the catalogues lack gets English, marked untranslated."""
    worded = has_catalogue(language)
    language = language if worded else "en"
    words = _sentences(language)
    lines = [
        words[reason] % {"name": child["name"]}
        for child in context["children"]
        for reason in child["reasons"]
        if reason in words
    ]
    lines.append(words["thanks"])
    return Wording(words["subject"], "\n".join(lines), ORIGINAL if worded else UNTRANSLATED)


def register() -> None:
    register_wording(POSITIVE_WORDING, positive_wording)
