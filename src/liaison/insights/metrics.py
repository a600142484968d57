"""Every metric, defined once. The README's "Metrics" section describes the same definitions.

- reach_30 / reach_90: share of active households with a two-way contact (the family wrote, a call
  or visit that reached them, a meeting, an attended event) in the last 30 / 90 days.
- unreached: active households with no two-way contact in N days (N per district, default 60).
- all_channels_failing: households that were sent something in the last 90 days and every
  delivery failed (bounced, rejected, undeliverable): no channel reaches them.
- response_median / response_p90: time from a family's message to the first staff reply in the
  same conversation, over family messages received in the period (hours).
- delivery_failure_rate: failed ÷ finished deliveries in the period, by channel and by language.
- translation coverage: deliveries in the period by how the text was put into the family's
  language (approved, machine, untranslated, original).

Concerns, referrals and events, over the last PERIOD_DAYS (90) days (and over each of PERIODS,
stored as "name@30d", for the dashboards' period picker), counted for the district, each site and
each caseload the household belongs to:
- concerns_opened: concerns raised in the period, by category.
- concerns_resolved: concerns marked resolved in the period, by category and by outcome (the
  family's answer to "was it resolved to your satisfaction?": yes, partly, no, or no answer).
- concern_resolve_median / _p90: hours from a concern being raised to it being resolved, over the
  concerns resolved in the period, by category and outcome.
- referrals_sent: referrals made in the period that went past "suggested" (given to the family),
  by need.
- referrals_closed / referrals_need_met: referrals closed in the period, and those closed with the
  need met; need_met_rate = need met ÷ closed.
- unmet_needs: needs the directory had no service for (recorded in the period) plus referrals
  closed in the period with the need not met, by need.
- event_invited / event_rsvp_yes / event_attended: invitations to events held in the period (not
  cancelled) by the household's home language; answered yes; checked in at the door.
- interpreter_requested / interpreter_met: invitations that asked for an interpreter, by the
  language asked for; met when the event offered interpretation in that language or an
  interpreter was booked for that family at that event.
- attendance_students, attendance_rate, chronic_absent, chronic_share, tier_2, tier_3: the
  students' attendance measures of the school year so far by site, grade, language and programme
  (defined in insights/attendance.py from attendance/measures.py; classes and households on demand).
- advocacy_concerns / advocacy_unmet: concerns and unmet needs of the last ADVOCACY_DAYS (365)
  days by theme, for the district and each site (the advocacy summary; small counts suppressed).
"""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

REACH_WINDOWS = (30, 90)
FAILURE_WINDOW_DAYS = 90
PERIOD_DAYS = 90
# The periods a dashboard can show concern, referral and event figures over (PERIOD_DAYS first).
PERIODS = (PERIOD_DAYS, 30, 365)
ADVOCACY_DAYS = 365
NO_ANSWER = "no_answer"
# The advocacy summary shows counts below this as "<10" so that no family can be recognised.
SUPPRESS_BELOW = 10


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str  # "share", "count", "hours"
    description: str


METRICS = {
    m.name: m
    for m in [
        Metric("households", _("Households"), "count", _("Active households in scope.")),
        Metric(
            "reach_30",
            _("Reached in 30 days"),
            "share",
            _("Share of households with a two-way contact in the last 30 days."),
        ),
        Metric(
            "reach_90",
            _("Reached in 90 days"),
            "share",
            _("Share of households with a two-way contact in the last 90 days."),
        ),
        Metric(
            "unreached",
            _("Not reached"),
            "count",
            _("Households with no two-way contact in the district's number of days (default 60)."),
        ),
        Metric(
            "all_channels_failing",
            _("Every channel failing"),
            "count",
            _("Households sent something in 90 days whose every delivery failed."),
        ),
        Metric(
            "response_median",
            _("Median time to reply"),
            "hours",
            _("Median time from a family's message to the first staff reply, last 30 days."),
        ),
        Metric(
            "response_p90",
            _("90th percentile time to reply"),
            "hours",
            _("90th percentile of the same."),
        ),
        Metric(
            "delivery_failure_rate",
            _("Delivery failure rate"),
            "share",
            _("Failed deliveries among finished ones in the last 30 days."),
        ),
        Metric(
            "translation",
            _("Deliveries by translation"),
            "count",
            _("Deliveries in the last 30 days by how the text reached the family's language."),
        ),
        Metric(
            "concerns_opened",
            _("Concerns raised"),
            "count",
            _("Concerns raised in the last 90 days."),
        ),
        Metric(
            "concerns_resolved",
            _("Concerns resolved"),
            "count",
            _("Concerns resolved in the last 90 days."),
        ),
        Metric(
            "concern_resolve_median",
            _("Median time to resolve"),
            "hours",
            _("Median time from a concern being raised to it being resolved, last 90 days."),
        ),
        Metric(
            "concern_resolve_p90",
            _("90th percentile time to resolve"),
            "hours",
            _("90th percentile of the same."),
        ),
        Metric(
            "referrals_sent",
            _("Referrals made"),
            "count",
            _("Referrals given to families in the last 90 days."),
        ),
        Metric(
            "referrals_need_met",
            _("Referrals closed with the need met"),
            "count",
            _("Referrals closed in the last 90 days with the family's need met."),
        ),
        Metric(
            "referrals_closed",
            _("Referrals closed"),
            "count",
            _("Referrals closed in the last 90 days, whatever the outcome."),
        ),
        Metric(
            "unmet_needs",
            _("Unmet needs"),
            "count",
            _(
                "Needs with no service in the directory, and referrals closed with the need not "
                "met, in the last 90 days."
            ),
        ),
        Metric(
            "event_invited",
            _("Invited to events"),
            "count",
            _("Invitations to events held in the last 90 days."),
        ),
        Metric(
            "attendance_students",
            _("Students with attendance"),
            "count",
            _("Students with attendance measures this school year."),
        ),
        Metric(
            "attendance_rate",
            _("Attendance rate"),
            "share",
            _("Days attended among days enrolled this school year, over the group's students."),
        ),
        Metric(
            "chronic_absent",
            _("Chronically absent"),
            "count",
            _("Students who missed 10% or more of their enrolled days (the district's share)."),
        ),
        Metric(
            "chronic_share",
            _("Share chronically absent"),
            "share",
            _("Chronically absent students among students with attendance."),
        ),
        Metric("tier_2", _("In Tier 2"), "count", _("Students in Tier 2: early support.")),
        Metric("tier_3", _("In Tier 3"), "count", _("Students in Tier 3: intensive support.")),
        Metric("event_rsvp_yes", _("Said yes"), "count", _("Invitations answered yes.")),
        Metric("event_attended", _("Came"), "count", _("Invitations checked in at the door.")),
        Metric(
            "interpreter_requested",
            _("Interpreter requests"),
            "count",
            _("Invitations that asked for an interpreter, by language asked for."),
        ),
        Metric(
            "interpreter_met",
            _("Interpreter requests met"),
            "count",
            _("Of those, events that offered that language or booked an interpreter."),
        ),
    ]
}


def period_metric(name: str, days: int) -> str:
    """The rollup's metric name for a figure over `days` (the default period keeps the plain name)."""
    return name if days == PERIOD_DAYS else f"{name}@{days}d"


def suppress(count) -> str:
    """A count as the advocacy summary shows it: 1-9 as "<10" (0 is safe to show)."""
    n = int(count or 0)
    return "<10" if 0 < n < SUPPRESS_BELOW else str(n)


def reached(last_two_way_at: datetime | None, now: datetime, days: int) -> bool:
    return last_two_way_at is not None and last_two_way_at >= now - timedelta(days=days)


def share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def percentile(values: list[float], p: float) -> float | None:
    """Linear-interpolated percentile (p in 0..100), as spreadsheets compute it; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None
