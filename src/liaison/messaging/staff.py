"""Notices to staff (reminders, outage alerts) through the outbox: queued, leased, retried, paused.

A reminder used to be claimed and marked sent, then mailed: a mail server that refused it lost it
for good. Now the claim queues a StaffDelivery (its key makes it once) and the drain hands it over
with the same channel backends, outcome rules, outage pauses and per-email hand-over marks as the
families' deliveries. Staff rows are few, so this side reads them with the ORM, row by row.
"""

import datetime as dt
import logging

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from liaison.messaging import channels, outages
from liaison.messaging.choices import Channel, DeliveryState, FailureReason
from liaison.messaging.models import StaffDelivery

log = logging.getLogger(__name__)


def backend_name(channel: str) -> str:
    return "staff-email" if channel == Channel.EMAIL else channel


def notify(*, staff, district, subject: str, body: str, key: str) -> StaffDelivery | None:
    """Queue a notice to a member of staff on their channel of choice (a text when they chose
    texts and have a number, else email), once per `key`. None when they cannot be reached.
    `district` (or its id) is whose channel outages it waits on."""
    from liaison.people.choices import Channel as PersonChannel

    if staff.notify_channel == PersonChannel.SMS and staff.phone:
        channel, address, text = Channel.SMS, staff.phone, f"{subject}\n{body}"
    elif staff.email:
        channel, address, text = Channel.EMAIL, staff.email, body
    else:
        log.warning("No way to reach %s for a notice", staff)
        return None
    row, _created = StaffDelivery.objects.get_or_create(
        key=key[:120],
        defaults=dict(
            district_id=getattr(district, "pk", district),
            staff=staff,
            channel=channel,
            address=address,
            subject=subject[:300],
            body=text,
        ),
    )
    from liaison.messaging.delivery import enqueue_delivery_on_commit

    enqueue_delivery_on_commit()
    return row


def _outgoing(row: StaffDelivery) -> channels.Outgoing:
    from liaison.messaging.delivery import sms_text

    return channels.Outgoing(
        delivery_id=row.pk,
        to=row.address,
        subject=row.subject,
        body=sms_text(row.body) if row.channel == Channel.SMS else row.body,
        idempotency_key=f"liaison-staff-{row.pk}",
    )


def _claim(owner: str, *, limit: int, now) -> list[StaffDelivery]:
    from liaison.messaging.delivery import lease_seconds

    due = Q(state=DeliveryState.QUEUED, next_attempt_at__lte=now) | Q(
        state=DeliveryState.LEASED, lease_until__lt=now
    )
    with transaction.atomic():
        candidates = StaffDelivery.objects.filter(due).order_by("next_attempt_at")
        if connection.vendor == "postgresql":
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        # The condition again: a row another worker leased meanwhile is not due any more.
        StaffDelivery.objects.filter(due, pk__in=ids).update(
            state=DeliveryState.LEASED,
            lease_owner=owner,
            lease_until=now + dt.timedelta(seconds=lease_seconds()),
            updated_at=now,
        )
    return list(
        StaffDelivery.objects.filter(
            pk__in=ids, lease_owner=owner, state=DeliveryState.LEASED
        ).select_related("district", "staff")
    )


def _held(row, owner):
    return StaffDelivery.objects.filter(pk=row.pk, lease_owner=owner)


def drain(owner: str, *, limit: int = 100, now=None) -> int:
    """Hand every due staff notice to its channel; returns how many rows were handled."""
    from liaison.messaging.delivery import _Handover, _send_one

    now = now or timezone.now()
    # Rows left "sending" are reconciled on their own schedule (delivery.reconcile_due), never
    # here: a drain must not ask the provider about a row another worker is still handing over.
    rows = _claim(owner, limit=limit, now=now)
    if not rows:
        return 0
    health = outages.failing()
    down: dict[str, str] = {}  # backend name → the error that showed it down in this batch
    for row in rows:
        name = backend_name(row.channel)
        backend = channels.get(name)
        key = (row.district_id, outages.health_channel(name))
        h = health.get(key)
        if name in down or (h is not None and h.paused_until and h.paused_until > now):
            until = h.paused_until if h is not None and h.paused_until else now
            _wait(row, owner, until, down.get(name) or outages.waiting_text(row.channel, h), now)
            continue
        state = DeliveryState.DELIVERED if backend.delivers_immediately else DeliveryState.SENT
        out = _outgoing(row)
        if backend.marks_each_handover:
            out.handover = _Handover(row.pk, owner, state, row.attempts + 1, model=StaffDelivery)
        else:
            _held(row, owner).update(state=DeliveryState.SENDING, updated_at=timezone.now())
        kind, value = _send_one(backend, out)
        at = timezone.now()
        if kind == "sent":
            _held(row, owner).update(
                state=state,
                attempts=row.attempts + 1,
                provider_id=str(value)[:100],
                sent_at=at,
                error="",
                lease_owner="",
                updated_at=at,
            )
            if h is not None:
                outages.record_recovery([key])
                health.pop(key, None)
        elif kind in ("ChannelUnavailable", "Uncertain"):
            paused = outages.record_outage([row.district_id], key[1], str(value), at)
            down[name] = outages.waiting_text(row.channel, None, str(value))
            if kind == "ChannelUnavailable":
                _wait(row, owner, paused[row.district_id], down[name], at)
            else:  # left in "sending": reconciled once the lease runs out, never sent blindly
                _held(row, owner).update(attempts=row.attempts + 1, error=str(value)[:500])
        elif kind == "TemporaryFailure":
            from django.conf import settings

            from liaison.messaging.delivery import backoff

            attempts = row.attempts + 1
            if attempts >= settings.MESSAGING_MAX_ATTEMPTS:
                _fail(row, owner, str(value), FailureReason.RETRIES, attempts)
            else:
                _held(row, owner).update(
                    state=DeliveryState.QUEUED,
                    attempts=attempts,
                    error=str(value)[:500],
                    next_attempt_at=at + backoff(attempts),
                    lease_owner="",
                    updated_at=at,
                )
        elif kind == "PermanentFailure":
            reason = (
                FailureReason.BOUNCED
                if value.unreachable and row.channel == Channel.EMAIL
                else FailureReason.INVALID_NUMBER
                if value.unreachable
                else FailureReason.REFUSED
            )
            _fail(row, owner, str(value), reason, row.attempts + 1)
        # NotHeld: another worker took the row over; its outcome is theirs.
    return len(rows)


def send_now() -> int:
    """Hand over what is due at once (a reminder sweep calls it): what cannot go out now stays
    queued for the worker, with retries."""
    from liaison.messaging.delivery import worker_name

    owner, handled = worker_name(), 0
    # A text the gateway refused falls back to an email queued during the pass: a second pass
    # sends it. What waits (an outage, a retry) is not due again, so the passes end.
    for _ in range(3):
        done = drain(owner)
        handled += done
        if not done:
            break
    return handled


def _wait(row, owner, until, error, now):
    """The channel is down: wait without spending an attempt, or fail past the district's horizon."""
    if now - row.created_at > outages.horizon(row.district):
        _fail(row, owner, outages.gave_up_text(row.channel, row.district), FailureReason.OUTAGE)
        return
    _held(row, owner).update(
        state=DeliveryState.QUEUED,
        next_attempt_at=until,
        error=error[:500],
        lease_owner="",
        updated_at=now,
    )


def _fail(row, owner, error, reason, attempts=None):
    fields = dict(
        state=DeliveryState.FAILED,
        error=error[:500],
        failure=reason,
        lease_owner="",
        updated_at=timezone.now(),
    )
    if attempts is not None:
        fields["attempts"] = attempts
    if not _held(row, owner).update(**fields):
        return
    # A text that cannot go out for good still reaches them: by email, once.
    if row.channel == Channel.SMS and row.staff.email:
        StaffDelivery.objects.get_or_create(
            key=f"{row.key}-email"[:120],
            defaults=dict(
                district=row.district,
                staff=row.staff,
                channel=Channel.EMAIL,
                address=row.staff.email,
                subject=row.subject,
                body=row.body,
            ),
        )


def reconcile_interrupted(*, now=None) -> int:
    """Staff notices a dead worker left in "sending": ask the channel, as for families' rows."""
    now = now or timezone.now()
    done = 0
    for row in StaffDelivery.objects.filter(state=DeliveryState.SENDING, lease_until__lt=now):
        out = _outgoing(row)
        verdict, provider_id = channels.get(backend_name(row.channel)).reconcile(row, out)
        base = StaffDelivery.objects.filter(
            pk=row.pk, state=DeliveryState.SENDING, lease_until__lt=now
        )
        if verdict == "sent":
            fields = dict(state=DeliveryState.SENT, provider_id=provider_id, sent_at=now)
        elif verdict == "not_sent":
            fields = dict(state=DeliveryState.QUEUED, next_attempt_at=now)
        else:
            fields = dict(
                state=DeliveryState.FAILED,
                failure=FailureReason.UNCERTAIN,
                error="The worker stopped while handing this over; it may have arrived.",
            )
        done += base.update(lease_owner="", updated_at=now, **fields)
    return done


def next_due_at():
    return StaffDelivery.objects.next_due_at(leases=[DeliveryState.LEASED])
