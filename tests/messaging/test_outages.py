"""Channel outages of hours: deliveries wait for the channel and go out once when it answers again.

Real servers on loopback (aiosmtpd, the HTTP gateway), the clock moved with time-machine.
"""

import datetime as dt
import io
from collections import Counter

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from liaison.messaging import channels, delivery, outages, services
from liaison.messaging.choices import DeliveryState, FailureReason
from liaison.messaging.models import ChannelHealth, Delivery, StaffDelivery
from tests.messaging.factories import family
from tests.messaging.smtp import SMTPServer


@pytest.fixture
def smtp_down(settings):
    """A mail server that is not running (yet): `server.start()` brings it up on the same port."""
    server = SMTPServer()
    settings.MAILERS = server.mailers()
    settings.MESSAGING_CHANNELS = {"email": "liaison.messaging.channels.email.DjangoEmail"}
    # Production-like pacing: backoff from 30 s, pauses capped at five minutes.
    settings.MESSAGING_RETRY_BASE_SECONDS = 30
    settings.MESSAGING_RETRY_MAX_SECONDS = 300
    settings.MESSAGING_OUTAGE_MAX_PAUSE_SECONDS = 300
    settings.MESSAGING_MAX_ATTEMPTS = 6
    channels.reset()
    yield server
    server.stop()
    channels.reset()


def _next_due():
    return Delivery.objects.filter(state=DeliveryState.QUEUED).order_by("next_attempt_at").first()


def _message_ids(server):
    ids = []
    for _rcpts, raw in server.recorder.messages:
        for line in raw.decode().splitlines():
            if line.lower().startswith("message-id:"):
                ids.append(line.split(":", 1)[1].strip())
    return ids


def test_smtp_down_for_three_hours_then_every_email_is_delivered_once(world, smtp_down):
    household, guardians = family(world.district, guardians=8, language="en")
    for g in guardians:
        g.preferred_channels = ["email"]
        g.save()
    message = services.send_message(household=household, body="Report cards", by=world.liaison)
    start = timezone.now()
    delivery.drain()
    rows = message.deliveries.all()
    assert {r.state for r in rows} == {DeliveryState.QUEUED}
    assert all("Waiting: Email" in r.error for r in rows), [r.error for r in rows]
    # The next rows' reason, read by staff on the announcement page: the moment in words.
    health = ChannelHealth.objects.get(district=world.district, channel="email")
    since = health.failing_since.astimezone(dt.UTC)
    waiting = outages.waiting_text("email", health)
    assert f"has not answered since {since:%-m/%-d/%y}, " in waiting
    assert f"{since:%Y-%m-%d}" not in waiting
    health = ChannelHealth.objects.get(district=world.district, channel="email")
    assert health.failing_since is not None

    # Three hours of outage, far past the old horizon (six attempts, about 15 minutes): the
    # worker wakes each time a pause ends, probes once, and the rows keep waiting.
    with time_machine.travel(start, tick=False) as clock:
        while timezone.now() < start + dt.timedelta(hours=3):
            row = _next_due()
            assert row is not None, list(message.deliveries.values_list("state", "error"))
            wait = row.next_attempt_at - timezone.now()
            assert wait <= dt.timedelta(minutes=5), "backoff is capped at a few minutes"
            clock.move_to(row.next_attempt_at + dt.timedelta(seconds=1))
            delivery.drain()
        assert set(message.deliveries.values_list("state", flat=True)) == {DeliveryState.QUEUED}

        smtp_down.start()
        clock.move_to(_next_due().next_attempt_at + dt.timedelta(seconds=1))
        delivery.drain()

    assert set(message.deliveries.values_list("state", flat=True)) == {DeliveryState.SENT}
    ids = Counter(_message_ids(smtp_down))
    assert sorted(ids) == sorted(f"<liaison-delivery-{r.pk}@liaison.example.org>" for r in rows)
    assert max(ids.values()) == 1, "each email once"
    health.refresh_from_db()
    assert health.failing_since is None, "the outage is over once the server takes mail"


def test_an_outage_longer_than_the_districts_horizon_fails_with_the_reason(world, smtp_down):
    world.district.delivery_horizon_hours = 2
    world.district.save()
    household, (mum,) = family(world.district, guardians=1, language="en")
    mum.preferred_channels = ["email"]
    mum.save()
    message = services.send_message(household=household, body="Hello", by=world.liaison)
    delivery.drain()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        delivery.drain()
        assert message.deliveries.get().state == DeliveryState.QUEUED
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2, minutes=10)):
        delivery.drain()
    row = message.deliveries.get()
    assert row.state == DeliveryState.FAILED
    assert row.failure == FailureReason.OUTAGE
    assert "did not answer within the 2 hours the district allows" in row.error


def test_gateway_5xx_pauses_texts_while_an_invalid_number_fails_only_its_own(
    world, gateway, settings
):
    settings.MESSAGING_RETRY_BASE_SECONDS = 30
    settings.MESSAGING_RETRY_MAX_SECONDS = 300
    household, guardians = family(world.district, guardians=6, language="en")
    gateway.reject.add(guardians[0].phone)
    gateway.fail_next(1000, status=503)
    services.send_message(household=household, body="Bus is late", by=world.liaison)
    delivery.drain()
    # The sending threads stop at the first 5xx: at most one request each, not one per text.
    assert len(gateway.requests) <= settings.MESSAGING_SEND_THREADS < 6
    rows = Delivery.objects.filter(guardian__in=guardians)
    assert set(rows.values_list("state", flat=True)) == {DeliveryState.QUEUED}
    assert all(r.attempts <= 1 for r in rows)
    seen = len(gateway.requests)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10)):
        delivery.drain()
    assert len(gateway.requests) == seen + 1, "a paused channel is probed with one text"

    gateway.fail_next(0)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        delivery.drain()
    states = dict(rows.values_list("guardian_id", "state"))
    assert states[guardians[0].pk] == DeliveryState.FAILED
    assert states[guardians[1].pk] == states[guardians[2].pk] == DeliveryState.SENT
    assert rows.get(guardian=guardians[0]).failure == FailureReason.INVALID_NUMBER
    assert sorted(m["to"] for m in gateway.sent) == sorted(g.phone for g in guardians[1:])


def test_urgent_texts_waiting_ten_minutes_alert_the_district_admins_once_by_email(world, gateway):
    world.admin.email = "admin@testville.example.org"
    world.admin.save()
    household, _guardians = family(world.district, guardians=2, language="en")
    gateway.fail_next(1000, status=503)
    services.send_notice(
        guardians=list(household.guardians.all()),
        subject="Closure",
        body="School is closed today.",
        by=world.admin,
        kind="other",
        urgent=True,
    )
    delivery.drain()
    assert mail.outbox == [], "not after a minute"
    for minutes in (11, 12, 20):
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes)):
            delivery.drain()
            delivery.drain()
    alerts = [m for m in mail.outbox if m.to == [world.admin.email]]
    assert len(alerts) == 1, "told once per outage"
    assert "Text message is down: urgent messages are waiting" in alerts[0].subject
    assert "2 urgent messages" in alerts[0].body
    assert StaffDelivery.objects.get(staff=world.admin).state == DeliveryState.SENT


def test_a_concern_reminder_refused_by_smtp_arrives_once_smtp_is_back(world, smtp_down):
    from liaison.concerns.models import Concern
    from tests.concerns import factories as cf

    world.liaison.email = "rosa@testville.example.org"
    world.liaison.save()
    concern = cf.concern(world.caseload_family, assignee=world.liaison, urgency="urgent")
    Concern.objects.filter(pk=concern.pk).update(due_at=timezone.now() - dt.timedelta(hours=5))

    call_command("concern_reminders", "--now", stdout=io.StringIO())  # the mail server is down
    assert smtp_down.recorder.messages == []
    waiting = StaffDelivery.objects.get()
    assert waiting.state == DeliveryState.QUEUED and "Waiting" in waiting.error

    smtp_down.start()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=30)):
        call_command("concern_reminders", "--now", stdout=io.StringIO())
        delivery.drain()
        delivery.drain()
    assert len(smtp_down.recorder.messages) == 1
    rcpts, raw = smtp_down.recorder.messages[0]
    assert rcpts == ["rosa@testville.example.org"]
    assert f"/concerns/{concern.pk}/" in raw.decode()
    assert StaffDelivery.objects.get().state == DeliveryState.SENT
