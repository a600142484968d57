"""Deliveries as /metrics reports them: open ones by state and channel, and what the last day made
of the rest (both read from the outbox's indexes, not from every delivery ever sent)."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, QuerySet
from django.utils import timezone

from liaison.core.metrics import Reading, register_reading
from liaison.messaging.choices import OPEN_DELIVERY_STATES
from liaison.messaging.models import Delivery

Rows = Iterable[tuple[tuple[str, ...], float]]


def _by_state_and_channel(deliveries: QuerySet[Delivery]) -> Rows:
    counted = deliveries.values("state", "channel").annotate(n=Count("id")).order_by()
    return [((row["state"], row["channel"]), float(row["n"])) for row in counted]


def open_deliveries() -> Rows:
    return _by_state_and_channel(Delivery.objects.filter(state__in=OPEN_DELIVERY_STATES))


def deliveries_last_day() -> Rows:
    since = timezone.now() - dt.timedelta(days=1)
    return _by_state_and_channel(
        Delivery.objects.filter(updated_at__gte=since).exclude(state__in=OPEN_DELIVERY_STATES)
    )


def register() -> None:
    register_reading(
        Reading(
            "liaison_deliveries_open",
            "Deliveries waiting or being sent now, by state and channel",
            ("state", "channel"),
            open_deliveries,
        )
    )
    register_reading(
        Reading(
            "liaison_deliveries_last_day",
            "Deliveries that reached sent, delivered, failed, not sent or cancelled in the last "
            "24 hours, by state and channel",
            ("state", "channel"),
            deliveries_last_day,
        )
    )
