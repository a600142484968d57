"""The at-risk score: a sum of points, one per reason a student stands out, each reason kept with
its numbers and put in words for the list. The district sets the points (AttendanceRules.weights,
reason code → points; a code set to 0 no longer counts).

Reasons: chronic absence and how severe, a worsening four-week trend, days absent in a row, the
family not reached two-way in N days, every channel to the family failing, an urgent concern open
past its target, McKinney-Vento and foster care. The engagement reasons (two-way contact, failing
channels) are known to insights, above this app: it registers `household_signals` at start-up.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from liaison.attendance.choices import Tier
from liaison.attendance.models import (
    AtRiskScore,
    AttendanceRules,
    StudentAttendance,
    rules_for,
    school_year_of,
)
from liaison.concerns.choices import Urgency
from liaison.concerns.models import Concern
from liaison.core.db import IdIn, upsert_rows
from liaison.core.today_writes import changed as today_changed
from liaison.people.choices import Programme
from liaison.people.models import StudentProgramme

# Points per reason by default; what each reason means is in REASONS below.
DEFAULT_WEIGHTS: dict[str, int] = {
    "chronic": 30,
    "severe": 20,
    "worsening": 10,
    "in_a_row": 15,
    "no_contact": 15,
    "channels_failing": 15,
    "overdue_urgent": 20,
    "mckinney_vento": 10,
    "foster_care": 10,
}

# What each reason means, for the rules page and the weights form.
REASONS: dict[str, Any] = {
    "chronic": gettext_lazy("Chronically absent (the district's share of days missed, or more)"),
    "severe": gettext_lazy("Severely absent (the share for intensive support, or more)"),
    "worsening": gettext_lazy(
        "Attendance in the last four weeks 5 points or more below the four before"
    ),
    "in_a_row": gettext_lazy("Absent 3 school days or more in a row"),
    "no_contact": gettext_lazy("No two-way contact with the family in the at-risk rules' days"),
    "channels_failing": gettext_lazy("Every channel to the family failing"),
    "overdue_urgent": gettext_lazy("An urgent concern open past its target"),
    "mckinney_vento": gettext_lazy("McKinney-Vento (housing insecure)"),
    "foster_care": gettext_lazy("In foster care"),
}

WORSENING_BY = Decimal("0.05")
IN_A_ROW = 3

# household ids → {household id: {"no_contact_days": int | None (never), "limit": int,
# "all_channels_failing": bool}}; filled by insights.
HouseholdSignals = Callable[[list[int]], dict[int, dict[str, Any]]]
_signals: list[HouseholdSignals] = []


def register_household_signals(provider: HouseholdSignals) -> None:
    if provider not in _signals:
        _signals.append(provider)


def weights_of(rules: AttendanceRules) -> dict[str, int]:
    chosen = {k: int(v) for k, v in (rules.weights or {}).items() if k in DEFAULT_WEIGHTS}
    return {**DEFAULT_WEIGHTS, **chosen}


def _pct(share: Decimal | float | None) -> int:
    return round(float(share or 0) * 100)


def student_reasons(
    row: Any,
    *,
    rules: AttendanceRules,
    programmes: set[str],
    household: dict[str, Any],
    overdue_urgent: int,
) -> list[dict[str, Any]]:
    """The reasons this student stands out, each with its numbers (no points yet)."""
    out: list[dict[str, Any]] = []
    missed = {
        "absent": str(row.days_absent.normalize()) if row.days_absent else "0",
        "enrolled": row.days_enrolled,
        "pct": _pct(1 - row.rate) if row.rate is not None else 0,
    }
    if row.chronic:
        out.append({"code": "chronic", **missed})
        if row.rate is not None and 1 - row.rate >= rules.intensive_share:
            out.append({"code": "severe", **missed})
    if (
        row.rate_last_4_weeks is not None
        and row.rate_previous_4_weeks is not None
        and row.rate_previous_4_weeks - row.rate_last_4_weeks >= WORSENING_BY
    ):
        out.append(
            {
                "code": "worsening",
                "now": _pct(row.rate_last_4_weeks),
                "before": _pct(row.rate_previous_4_weeks),
            }
        )
    if row.consecutive_absences >= IN_A_ROW:
        out.append({"code": "in_a_row", "days": row.consecutive_absences})
    if household.get("no_contact"):
        out.append(
            {
                "code": "no_contact",
                "days": household.get("no_contact_days"),
                "limit": household.get("limit"),
            }
        )
    if household.get("all_channels_failing"):
        out.append({"code": "channels_failing"})
    if overdue_urgent:
        out.append({"code": "overdue_urgent", "n": overdue_urgent})
    if Programme.MCKINNEY_VENTO in programmes:
        out.append({"code": "mckinney_vento"})
    if Programme.FOSTER_CARE in programmes:
        out.append({"code": "foster_care"})
    return out


def scored(
    reasons: list[dict[str, Any]], weights: dict[str, int]
) -> tuple[int, list[dict[str, Any]]]:
    """The score and the reasons that count (points above 0), highest points first."""
    counted = [{**r, "points": weights.get(r["code"], 0)} for r in reasons]
    counted = [r for r in counted if r["points"] > 0]
    counted.sort(key=lambda r: -r["points"])
    return sum(r["points"] for r in counted), counted


def reason_words(reason: dict[str, Any]) -> str:
    """A stored reason in the liaison's words, with its numbers."""
    code = reason.get("code")
    if code in ("chronic", "severe"):
        words = (
            _("Chronically absent: %(absent)s of %(enrolled)s days missed (%(pct)s%%)")
            if code == "chronic"
            else _("Severely absent: %(pct)s%% of days missed")
        )
        return words % {
            "absent": reason.get("absent", "?"),
            "enrolled": reason.get("enrolled", "?"),
            "pct": reason.get("pct", "?"),
        }
    if code == "worsening":
        return _("Attendance falling: %(now)s%% in the last four weeks, %(before)s%% before") % {
            "now": reason.get("now", "?"),
            "before": reason.get("before", "?"),
        }
    if code == "in_a_row":
        days = int(reason.get("days") or 0)
        return ngettext("Absent %(n)d day in a row", "Absent %(n)d days in a row", days) % {
            "n": days
        }
    if code == "no_contact":
        if reason.get("days") is None:
            return _("No two-way contact with the family on record")
        return _("No two-way contact in %(days)s days (limit %(limit)s)") % {
            "days": reason["days"],
            "limit": reason.get("limit", "?"),
        }
    if code == "channels_failing":
        return _("Every channel to the family failing")
    if code == "overdue_urgent":
        n = int(reason.get("n") or 1)
        return ngettext(
            "%(n)d urgent concern open past its target",
            "%(n)d urgent concerns open past their target",
            n,
        ) % {"n": n}
    if code in REASONS:
        return str(REASONS[code])
    return _("Other reason")


def _overdue_urgent_by_household(household_ids: list[int], now: dt.datetime) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    overdue = Concern.objects.overdue(now)  # type: ignore[no-untyped-call]
    for household_id in overdue.filter(
        IdIn("household_id", household_ids), urgency=Urgency.URGENT
    ).values_list("household_id", flat=True):
        counts[household_id] += 1
    return counts


def _household_signals(household_ids: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for provider in _signals:
        for household_id, values in provider(household_ids).items():
            out.setdefault(household_id, {}).update(values)
    return out


CHUNK = 2000
# Students scored per round (a query each for their rows, programmes, concerns, engagement, and a
# transaction): a day's file touches about 7,000 of 100,000, scored in one.
SCORE_CHUNK = 10_000
# The measures the score reads.
MEASURES = (
    "student_id",
    "site_id",
    "tier",
    "chronic",
    "rate",
    "days_absent",
    "days_enrolled",
    "rate_last_4_weeks",
    "rate_previous_4_weeks",
    "consecutive_absences",
)


SCORE_COLUMNS = [
    "district_id",
    "student_id",
    "household_id",
    "site_id",
    "tier",
    "score",
    "reasons",
    "computed_at",
]


def refresh_scores(
    *, district: Any, student_ids: Iterable[int] | None = None, as_of: dt.date | None = None
) -> int:
    """Score again the students named (None: every student with measures this school year) from
    their measures, programmes, their family's concerns and engagement. Returns how many rows."""
    district_id = getattr(district, "pk", district)
    rules = rules_for(district_id)
    weights = weights_of(rules)
    as_of = as_of or timezone.localdate()
    year = school_year_of(as_of, rules.year_starts)
    rows_qs = StudentAttendance.objects.filter(district_id=district_id, school_year=year)
    if student_ids is not None:
        rows_qs = rows_qs.filter(IdIn("student_id", student_ids))
    ids = list(rows_qs.values_list("pk", flat=True))
    now = timezone.now()
    written = 0
    for start in range(0, len(ids), SCORE_CHUNK):
        # Plain rows, not model instances: scoring a whole district is mostly this loop.
        chunk = [
            SimpleNamespace(**values)
            for values in StudentAttendance.objects.filter(
                IdIn("pk", ids[start : start + SCORE_CHUNK])
            ).values(*MEASURES, household_id=F("student__household_id"))
        ]
        household_ids = sorted({r.household_id for r in chunk if r.household_id})
        programmes: dict[int, set[str]] = defaultdict(set)
        for student_id, programme in StudentProgramme.objects.filter(
            IdIn("student_id", [r.student_id for r in chunk]),
            programme__in=[Programme.MCKINNEY_VENTO, Programme.FOSTER_CARE],
        ).values_list("student_id", "programme"):
            programmes[student_id].add(programme)
        overdue = _overdue_urgent_by_household(household_ids, now)
        signals = _household_signals(household_ids)
        scores = []
        for row in chunk:
            household_id = row.household_id
            score, reasons = scored(
                student_reasons(
                    row,
                    rules=rules,
                    programmes=programmes.get(row.student_id, set()),
                    household=signals.get(household_id, {}) if household_id else {},
                    overdue_urgent=overdue.get(household_id, 0) if household_id else 0,
                ),
                weights,
            )
            scores.append(
                (
                    district_id,
                    row.student_id,
                    household_id,
                    row.site_id,
                    row.tier or Tier.UNIVERSAL,
                    score,
                    reasons,
                    now,
                )
            )
        # Plain tuples upserted (as the measures are): the ORM's bulk upsert prepared each value
        # of each object, most of a day's scoring. Today reads the scores: its queues go stale.
        with transaction.atomic():
            upsert_rows(AtRiskScore, SCORE_COLUMNS, scores, conflict=["student_id"])
            today_changed(district_id)
        written += len(scores)
    return written


def refresh_households(household_ids: Iterable[int]) -> int:
    """Score again the children of these families (their engagement or concerns changed)."""
    from_ids = list(household_ids)
    by_district: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(from_ids), CHUNK):
        for district_id, student_id in AtRiskScore.objects.filter(
            household_id__in=from_ids[start : start + CHUNK]
        ).values_list("district_id", "student_id"):
            by_district[district_id].append(student_id)
    return sum(
        refresh_scores(district=district_id, student_ids=ids)
        for district_id, ids in by_district.items()
    )
