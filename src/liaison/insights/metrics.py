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
Concerns, referral and event figures are read from those apps' tables in the same way.
"""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

REACH_WINDOWS = (30, 90)
FAILURE_WINDOW_DAYS = 90


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
    ]
}


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
