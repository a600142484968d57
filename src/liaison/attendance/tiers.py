"""The tiers of support and the rules that place a student in one (Attendance Works' model by
default; the numbers are the district's AttendanceRules).

A student is in the highest tier any rule gives them, Tier 1 (universal) when none applies; the
reasons are the rules that applied, as codes with their numbers (`reason_words` says them); a
student's row keeps them without the numbers that move every day (`reasons_of` puts them back).
Each rule states its trigger, its action, who owns it and the words staff see; the rules page shows
them with the district's numbers.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from liaison.attendance.choices import Tier
from liaison.attendance.measures import Measures
from liaison.attendance.models import AttendanceRules


def _percent(share: Decimal | float | str) -> str:
    return f"{number_format(Decimal(share) * 100, decimal_pos=0)}%"


def _days(value: Decimal | float | str) -> str:
    """A number of days as people say it: 6, 6.5 (never 6.00)."""
    d = Decimal(str(value)).normalize()
    return number_format(d, decimal_pos=max(0, -d.as_tuple().exponent))  # type: ignore[operator]


@dataclass(frozen=True)
class Rule:
    code: str
    tier: int
    trigger: Callable[[AttendanceRules], str]
    action: object  # lazy text
    owner: object
    # An example of the words staff see on the student's row, with the district's numbers.
    example: dict[str, Any]


def _trigger_chronic_last_year(r: AttendanceRules) -> str:
    return _("Chronically absent last school year (missed %(share)s or more of school days).") % {
        "share": _percent(r.chronic_share)
    }


def _trigger_early_pace(r: AttendanceRules) -> str:
    pace = r.pace
    return _(
        "In the first three months of the school year: %(m1)s days absent by the end of the "
        "first month, %(m2)s by the end of the second or %(m3)s by the end of the third."
    ) % {"m1": pace[0], "m2": pace[1], "m3": pace[2]}


def _trigger_chronic(r: AttendanceRules) -> str:
    return _(
        "Missed %(low)s or more (but less than %(high)s) of the school days enrolled so far, "
        "after at least %(days)s days enrolled."
    ) % {
        "low": _percent(r.chronic_share),
        "high": _percent(r.intensive_share),
        "days": r.chronic_min_days,
    }


def _trigger_severe(r: AttendanceRules) -> str:
    return _(
        "Missed %(high)s or more of the school days enrolled so far, after at least %(days)s "
        "days enrolled."
    ) % {"high": _percent(r.intensive_share), "days": r.chronic_min_days}


def _trigger_no_improvement(r: AttendanceRules) -> str:
    return _(
        "In Tier 2 or above for %(weeks)s weeks or more, still missing %(share)s or more of the "
        "days of the last four weeks, and no better than in the four weeks before."
    ) % {"weeks": r.no_improvement_weeks, "share": _percent(r.chronic_share)}


def _trigger_consecutive(r: AttendanceRules) -> str:
    return _("Absent without excuse %(days)s or more school days in a row.") % {
        "days": r.consecutive_unexcused_intensive
    }


RULES: list[Rule] = [
    Rule(
        "chronic_last_year",
        Tier.EARLY,
        _trigger_chronic_last_year,
        gettext_lazy("A personal nudge to the family and a call from the liaison."),
        gettext_lazy("The student's liaison"),
        {"code": "chronic_last_year"},
    ),
    Rule(
        "early_pace",
        Tier.EARLY,
        _trigger_early_pace,
        gettext_lazy("A personal nudge to the family and a call from the liaison."),
        gettext_lazy("The student's liaison"),
        {"code": "early_pace", "month": 1, "absent": "2", "pace": 2},
    ),
    Rule(
        "chronic",
        Tier.EARLY,
        _trigger_chronic,
        gettext_lazy("A personal nudge to the family and a call from the liaison."),
        gettext_lazy("The student's liaison"),
        {"code": "chronic", "absent": "6", "enrolled": 50},
    ),
    Rule(
        "severe",
        Tier.INTENSIVE,
        _trigger_severe,
        gettext_lazy(
            "A task for the liaison: offer a home visit and a conversation about a referral."
        ),
        gettext_lazy("The student's liaison, with the site's attendance team"),
        {"code": "severe", "absent": "11", "enrolled": 50},
    ),
    Rule(
        "no_improvement",
        Tier.INTENSIVE,
        _trigger_no_improvement,
        gettext_lazy(
            "A task for the liaison: offer a home visit and a conversation about a referral."
        ),
        gettext_lazy("The student's liaison, with the site's attendance team"),
        {"code": "no_improvement", "weeks": 4, "rate_now": "0.85", "rate_before": "0.88"},
    ),
    Rule(
        "consecutive_unexcused",
        Tier.INTENSIVE,
        _trigger_consecutive,
        gettext_lazy(
            "A task for the liaison: offer a home visit and a conversation about a referral."
        ),
        gettext_lazy("The student's liaison, with the site's attendance team"),
        {"code": "consecutive_unexcused", "days": 3},
    ),
]
RULES_BY_CODE = {rule.code: rule for rule in RULES}

UNIVERSAL_ACTION = gettext_lazy(
    "Every family: a welcome, positive notes, and the school's attendance message."
)


def reason_words(reason: dict[str, Any]) -> str:
    """Words for a stored reason, with its numbers (staff language)."""
    code = reason.get("code")
    if code == "chronic_last_year":
        return _("Chronically absent last school year")
    if code == "early_pace":
        return _("%(absent)s days absent by the end of month %(month)s (pace: %(pace)s)") % {
            "absent": _days(reason["absent"]),
            "month": reason["month"],
            "pace": reason["pace"],
        }
    if code in ("chronic", "severe"):
        enrolled = int(reason["enrolled"])
        share = Decimal(str(reason["absent"])) / enrolled if enrolled else Decimal(0)
        return _("Missed %(share)s of school days so far (%(absent)s of %(enrolled)s)") % {
            "share": _percent(share),
            "absent": _days(reason["absent"]),
            "enrolled": enrolled,
        }
    if code == "no_improvement":
        return _(
            "No improvement after %(weeks)s weeks of support (last four weeks %(now)s, the four "
            "before %(before)s)"
        ) % {
            "weeks": reason["weeks"],
            "now": _percent(reason["rate_now"]),
            "before": _percent(reason["rate_before"]),
        }
    if code == "consecutive_unexcused":
        days = int(reason["days"])
        return ngettext(
            "%(days)s unexcused day absent in a row",
            "%(days)s unexcused days absent in a row",
            days,
        ) % {"days": days}
    return _("Another reason")


# The numbers in a reason that move with every school day: days enrolled, and the four-week rates
# (their windows slide). A TierChange keeps them as they stood that day; a student's row keeps its
# reasons without them, its own columns holding today's, so that a day that moved nothing else
# (a day present, for most students in Tier 2 or 3) rewrites no reasons.
DAILY_NUMBERS = frozenset({"enrolled", "rate_now", "rate_before"})


@dataclass
class Placement:
    tier: int
    reasons: list[dict[str, Any]]
    support_since: dt.date | None

    @property
    def lasting_reasons(self) -> list[dict[str, Any]]:
        """The reasons as a student's row keeps them: without the numbers of the day."""
        return [{k: v for k, v in r.items() if k not in DAILY_NUMBERS} for r in self.reasons]


def reasons_of(row: Any) -> list[dict[str, Any]]:
    """A student's stored reasons (a StudentAttendance row's) with the numbers of the day put back
    from the row's own columns: the reasons its placement gave, for `reason_words` to say."""
    out: list[dict[str, Any]] = []
    for reason in row.tier_reasons:
        reason = dict(reason)
        if reason.get("code") in ("chronic", "severe"):
            reason["enrolled"] = row.days_enrolled
        elif reason.get("code") == "no_improvement":
            reason["rate_now"] = str(row.rate_last_4_weeks)
            reason["rate_before"] = str(row.rate_previous_4_weeks)
        out.append(reason)
    return out


def place(
    m: Measures,
    rules: AttendanceRules,
    *,
    chronic_last_year: bool,
    previous_tier: int | None,
    support_since: dt.date | None,
) -> Placement:
    """The tier the measures call for, with the reasons, given where the student was before."""
    reasons: list[dict[str, Any]] = []
    if chronic_last_year:
        reasons.append({"code": "chronic_last_year"})
    if m.early_absences and m.early_period_end and m.as_of <= m.early_period_end:
        pace = rules.pace
        for month, absent in enumerate(m.early_absences, start=1):
            if Decimal(absent) >= pace[month - 1]:
                reasons.append(
                    {
                        "code": "early_pace",
                        "month": month,
                        "absent": absent,
                        "pace": pace[month - 1],
                    }
                )
                break
    judged = m.days_enrolled >= rules.chronic_min_days and m.days_enrolled > 0
    if judged:
        share = m.days_absent / m.days_enrolled
        numbers = {"absent": str(m.days_absent), "enrolled": m.days_enrolled}
        if share >= Decimal(rules.intensive_share):
            reasons.append({"code": "severe", **numbers})
        elif share >= Decimal(rules.chronic_share):
            reasons.append({"code": "chronic", **numbers})
    if m.consecutive_unexcused >= rules.consecutive_unexcused_intensive:
        reasons.append({"code": "consecutive_unexcused", "days": m.consecutive_unexcused})
    tier = max((RULES_BY_CODE[r["code"]].tier for r in reasons), default=Tier.UNIVERSAL)
    if (
        tier >= Tier.EARLY
        and previous_tier is not None
        and previous_tier >= Tier.EARLY
        and support_since is not None
        and support_since <= m.as_of - dt.timedelta(weeks=rules.no_improvement_weeks)
        and m.rate_last_4_weeks is not None
        and m.rate_previous_4_weeks is not None
        and m.rate_last_4_weeks <= m.rate_previous_4_weeks
        and m.rate_last_4_weeks <= 1 - Decimal(rules.chronic_share)
    ):
        reasons.append(
            {
                "code": "no_improvement",
                "weeks": rules.no_improvement_weeks,
                "rate_now": str(m.rate_last_4_weeks),
                "rate_before": str(m.rate_previous_4_weeks),
            }
        )
        tier = Tier.INTENSIVE
    if tier >= Tier.EARLY:
        kept = previous_tier is not None and previous_tier >= Tier.EARLY and support_since
        since = support_since if kept else m.as_of
    else:
        since = None
    return Placement(int(tier), reasons, since)


def rules_table(rules: AttendanceRules) -> list[dict[str, Any]]:
    """Every rule as the rules page shows it: tier, trigger, action, owner, the words staff see."""
    rows = [
        {
            "tier": Tier(Tier.UNIVERSAL).label,
            "trigger": _("Every student."),
            "action": UNIVERSAL_ACTION,
            "owner": _("The school, through Liaison's messages"),
            "wording": "",
        }
    ]
    for rule in RULES:
        example = dict(rule.example)
        if rule.code == "consecutive_unexcused":
            example["days"] = rules.consecutive_unexcused_intensive
        if rule.code == "no_improvement":
            example["weeks"] = rules.no_improvement_weeks
        rows.append(
            {
                "tier": Tier(rule.tier).label,
                "trigger": rule.trigger(rules),
                "action": rule.action,
                "owner": rule.owner,
                "wording": reason_words(example),
            }
        )
    return rows
