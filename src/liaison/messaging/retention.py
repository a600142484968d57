"""Deliveries kept bounded by age when the district's rules allow it (LIAISON_DELIVERY_MONTHS).

Issue #22.5 asked for deliveries partitioned by month on PostgreSQL. Measured (bench
`deliveries_by_month`, docs/operations.md), a partitioned delivery table made every path of the
drain and of the status callbacks slower, because none of them knows a delivery's month: the
claim, the lookups by provider id and the reads by id visit every month. The table stays one
plain table and is kept bounded instead, on both databases: finished deliveries older than the
months kept are deleted in batches (each a short transaction) by the scheduler's daily
`delivery-retention` sweep. Off by default: a delivery is also how a family's portal and record
export find the announcements sent to them, so removing it removes those announcements there.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from liaison.core import partitions
from liaison.messaging.choices import OPEN_DELIVERY_STATES
from liaison.messaging.models import Delivery

# The insights read deliveries of the last 90 days (metrics.FAILURE_WINDOW_DAYS): never fewer.
MIN_MONTHS = 4
BATCH = 5_000


def months_kept() -> int:
    """0: every delivery is kept (the default)."""
    months = settings.LIAISON_DELIVERY_MONTHS
    return max(months, MIN_MONTHS) if months > 0 else 0


def prune_deliveries(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Delete finished deliveries made before the months kept, counted back from the start of
    this month (UTC); a delivery still queued, leased or being handed over stays whatever its
    age. Returns how many were deleted."""
    months = months_kept()
    if not months:
        return 0
    today = (now or timezone.now()).astimezone(dt.UTC).date()
    first = partitions.add_months(partitions.month_start(today), -months)
    cutoff = dt.datetime(first.year, first.month, 1, tzinfo=dt.UTC)
    old = Delivery.objects.filter(created_at__lt=cutoff).exclude(state__in=OPEN_DELIVERY_STATES)
    deleted = 0
    while True:
        ids = list(old.values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += Delivery.objects.filter(pk__in=ids).delete()[0]
