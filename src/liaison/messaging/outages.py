"""Channel outages: a channel that does not answer pauses per district, and its deliveries wait.

The drain reads the failing channels once a batch (`failing()`: a handful of rows, none in normal
operation), holds back rows for a paused channel without handing them over, records an outage
when a hand-over fails for channel-wide reasons, and clears it on the first success. A delivery
waits until the district's horizon (District.delivery_horizon_hours, 48 by default) has passed
since it was queued; then it fails as "the channel did not answer". Attempts are not spent on an
outage: they count only answers about the message or its recipient.

Urgent announcements cannot wait quietly: once a channel has failed for URGENT_ALERT_AFTER with
urgent deliveries waiting on it, the district's admins are told once (a StaffDelivery on the other
channel, so the alert does not depend on the channel that is down) and the announcement page
shows the outage.
"""

import datetime as dt
import random

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.core.dates import local_datetime
from liaison.messaging.choices import Channel, DeliveryState
from liaison.messaging.models import ChannelHealth, Delivery, StaffDelivery

URGENT_ALERT_AFTER = dt.timedelta(minutes=10)


def health_channel(backend_name: str) -> str:
    """The channel an outage is recorded for: staff email goes through the same mail server."""
    return Channel.EMAIL if backend_name == "staff-email" else backend_name


def pause_step(failures: int) -> dt.timedelta:
    """How long a channel rests after its `failures`-th failure in a row: doubling from the retry
    base, capped at a few minutes (MESSAGING_OUTAGE_MAX_PAUSE_SECONDS), with some jitter."""
    base = float(settings.MESSAGING_RETRY_BASE_SECONDS)
    cap = float(settings.MESSAGING_OUTAGE_MAX_PAUSE_SECONDS)
    step = min(cap, base * (2 ** max(0, failures - 1)))
    return dt.timedelta(seconds=random.uniform(step * 0.75, step))


def failing() -> dict[tuple[int, str], ChannelHealth]:
    """The channels in an outage, by (district id, channel): one query, usually answering nothing."""
    return {
        (h.district_id, h.channel): h
        for h in ChannelHealth.objects.filter(failing_since__isnull=False)
    }


def record_outage(district_ids, channel: str, error: str, now=None) -> dict[int, dt.datetime]:
    """The channel failed for these districts: pause it (longer each time). Returns paused_until
    per district."""
    now = now or timezone.now()
    paused = {}
    with transaction.atomic():
        for district_id in sorted(set(district_ids)):
            health, _created = ChannelHealth.objects.select_for_update().get_or_create(
                district_id=district_id, channel=channel
            )
            failures = health.consecutive_failures + 1
            health.failing_since = health.failing_since or now
            health.consecutive_failures = failures
            health.paused_until = now + pause_step(failures)
            health.last_error = error[:500]
            health.updated_at = now
            health.save()
            paused[district_id] = health.paused_until
    return paused


def record_recovery(keys) -> None:
    """The channel took a message again for these (district id, channel) pairs: the outage is over."""
    for district_id, channel in set(keys):
        ChannelHealth.objects.filter(
            district_id=district_id, channel=channel, failing_since__isnull=False
        ).update(
            failing_since=None,
            paused_until=None,
            consecutive_failures=0,
            alerted_at=None,
            updated_at=timezone.now(),
        )


def horizon(district) -> dt.timedelta:
    return dt.timedelta(hours=getattr(district, "delivery_horizon_hours", None) or 48)


def _utc_words(moment: dt.datetime) -> str:
    """A moment in UTC as the reader's locale writes it ("12/7/26, 3:22 PM"): the text is kept
    on the delivery and read later, so it names UTC rather than a zone of the writer's."""
    return local_datetime(moment.astimezone(dt.UTC).replace(tzinfo=None), "short")


def waiting_text(channel: str, health: ChannelHealth | None, error: str = "") -> str:
    """What a waiting delivery says about itself (staff read it on the announcement page)."""
    name = Channel(channel).label if channel in Channel.values else channel
    since = health.failing_since if health is not None else None
    if since is not None:
        text = _("Waiting: %(channel)s has not answered since %(time)s UTC.") % {
            "channel": name,
            "time": _utc_words(since),
        }
    else:
        text = _("Waiting: %(channel)s is not answering.") % {"channel": name}
    return f"{text} {error}"[:500] if error else text[:500]


def gave_up_text(channel: str, district) -> str:
    name = Channel(channel).label if channel in Channel.values else channel
    return _("%(channel)s did not answer within the %(hours)s hours the district allows.") % {
        "channel": name,
        "hours": getattr(district, "delivery_horizon_hours", 48),
    }


# --- urgent announcements during an outage ----------------------------------------------------


def other_channel(channel: str) -> str:
    return Channel.EMAIL if channel == Channel.SMS else Channel.SMS


def alert_urgent_waiting(now=None) -> int:
    """Tell each district's admins, once per outage, that urgent messages are waiting on a channel
    that has failed for URGENT_ALERT_AFTER. Returns how many outages were announced."""
    from liaison.people.choices import Role
    from liaison.people.models import User

    now = now or timezone.now()
    announced = 0
    for health in ChannelHealth.objects.filter(
        failing_since__lte=now - URGENT_ALERT_AFTER, alerted_at__isnull=True
    ).select_related("district"):
        waiting = Delivery.objects.filter(
            message__district_id=health.district_id,
            channel=health.channel,
            urgent=True,
            state__in=[DeliveryState.QUEUED, DeliveryState.LEASED],
        ).count()
        if not waiting:
            continue
        # The claim: one admin alert per outage, however many workers run this.
        if not ChannelHealth.objects.filter(pk=health.pk, alerted_at__isnull=True).update(
            alerted_at=now
        ):
            continue
        announced += 1
        name = Channel(health.channel).label
        subject = _("%(channel)s is down: urgent messages are waiting") % {"channel": name}
        body = _(
            "%(count)s urgent messages to families are waiting because %(channel)s has not "
            "answered since %(time)s UTC (%(error)s). They will go out when it answers again; "
            "you can switch them to another channel on the announcement page."
        ) % {
            "count": waiting,
            "channel": name,
            "time": _utc_words(health.failing_since),
            "error": health.last_error or "-",
        }
        # By the other channel, so the alert does not wait on the one that is down.
        via = other_channel(health.channel)
        admins = User.objects.staff_of(health.district).filter(
            memberships__role=Role.DISTRICT_ADMIN
        )
        rows = []
        for admin in admins.distinct():
            address = admin.phone if via == Channel.SMS else admin.email
            if not address:
                continue
            rows.append(
                StaffDelivery(
                    district_id=health.district_id,
                    staff=admin,
                    channel=via,
                    address=address,
                    subject=subject,
                    body=body if via == Channel.EMAIL else f"{subject}\n{body}",
                    key=f"outage-{health.pk}-{int(health.failing_since.timestamp())}-{admin.pk}",
                )
            )
        StaffDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return announced
