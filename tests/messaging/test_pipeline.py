"""The delivery pipeline's care: quiet hours, translation delays, retries with backoff, reconciling."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from liaison.language import pipeline
from liaison.language.rendering import TranslationDelayed
from liaison.messaging import delivery, services
from liaison.messaging.choices import DeliveryState
from liaison.messaging.models import Delivery, Message, Rendering
from tests.messaging.factories import family

NY = zoneinfo.ZoneInfo("America/New_York")


def test_quiet_hours_hold_texts_until_morning_but_not_urgent_ones(world, gateway, settings):
    settings.MESSAGING_QUIET_HOURS_CHANNELS = ["sms"]
    household, (mum,) = family(world.district, guardians=1)
    with time_machine.travel(dt.datetime(2026, 3, 10, 22, 30, tzinfo=NY), tick=False):
        services.send_message(household=household, body="Tomorrow's trip", by=world.liaison)
        services.send_notice(
            guardians=[mum],
            subject="",
            body="School closed: water main break",
            by=None,
            kind="other",
            urgent=True,
        )
        delivery.drain()
        sent = [m["body"] for m in gateway.sent]
        assert len(sent) == 1 and "School closed: water main break" in sent[0]
        held = Delivery.objects.get(message__body="Tomorrow's trip")
        assert held.state == DeliveryState.QUEUED
        assert held.next_attempt_at == dt.datetime(2026, 3, 11, 8, 0, tzinfo=NY)
    with time_machine.travel(dt.datetime(2026, 3, 11, 8, 1, tzinfo=NY), tick=False):
        delivery.drain()
    assert "Tomorrow's trip" in [m["body"] for m in gateway.sent][-1]


def test_quiet_hours_follow_the_guardians_own_zone(world, gateway, settings):
    settings.MESSAGING_QUIET_HOURS_CHANNELS = ["sms"]
    east, (_in_ny,) = family(world.district, guardians=1, name="East")
    west, (in_la,) = family(
        world.district, guardians=1, name="West", time_zone="America/Los_Angeles"
    )
    # 22:30 in New York is 19:30 in Los Angeles: quiet in the east only.
    with time_machine.travel(dt.datetime(2026, 3, 10, 22, 30, tzinfo=NY), tick=False):
        services.send_message(household=east, body="Hi east", by=world.liaison)
        services.send_message(household=west, body="Hi west", by=world.liaison)
        delivery.drain()
    assert [m["to"] for m in gateway.sent] == [in_la.phone]


def test_translation_delay_keeps_deliveries_queued_then_sends_each_language_once(
    world, gateway, monkeypatch
):
    household, (_mum, _dad) = family(world.district, guardians=2, language="so")
    original = pipeline.render_message
    calls = []

    def engine_down(**kwargs):
        calls.append(kwargs["target_languages"])
        raise TranslationDelayed(retry_after=1, reason="engine down")

    monkeypatch.setattr(pipeline, "render_message", engine_down)
    message = services.send_message(household=household, body="Meeting at 3", by=world.liaison)
    delivery.drain()
    assert gateway.sent == []
    assert set(message.deliveries.values_list("state", flat=True)) == {DeliveryState.QUEUED}

    monkeypatch.setattr(pipeline, "render_message", original)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        delivery.drain()
    assert len(gateway.sent) == 2
    assert Rendering.objects.filter(message=message).count() == 1  # Somali, once for both
    assert all(d.needs_follow_up for d in message.deliveries.all())  # untranslated: flagged


def test_failures_retry_with_backoff_then_fail_with_the_reason(world, gateway, settings):
    settings.MESSAGING_MAX_ATTEMPTS = 3
    settings.MESSAGING_RETRY_BASE_SECONDS = 10
    settings.MESSAGING_RETRY_MAX_SECONDS = 600
    household, (mum,) = family(world.district, guardians=1)
    # A refusal about this message (its key is busy there): a 5xx is an outage now, which waits.
    gateway.fail_next(10, status=409)
    services.send_message(household=household, body="Hello", by=world.liaison)
    delivery.drain()
    row = Delivery.objects.get(guardian=mum)
    assert row.state == DeliveryState.QUEUED and row.attempts == 1
    first_wait = row.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=4) < first_wait <= dt.timedelta(seconds=10)
    for _ in range(2):
        with time_machine.travel(row.next_attempt_at + dt.timedelta(seconds=1)):
            delivery.drain()
        row.refresh_from_db()
    assert row.state == DeliveryState.FAILED and row.attempts == 3
    assert "409" in row.error


def test_a_row_left_sending_by_a_dead_worker_is_reconciled_not_resent(world, gateway):
    household, (mum, dad) = family(world.district, guardians=2)
    services.send_message(household=household, body="Reconcile me", by=world.liaison)
    ids = delivery.claim("dead-worker")
    Delivery.objects.filter(pk__in=ids).update(state=DeliveryState.SENDING)
    # The dead worker had handed mum's text over before it died; dad's never left.
    mum_row = Delivery.objects.get(guardian=mum)
    from liaison.messaging import channels

    # What the dead worker handed over is the composed text (translation note, portal link).
    renderings, _ = delivery.ensure_renderings(mum_row.message, [mum_row.language])
    sid = channels.get("sms").send(delivery.compose(mum_row, renderings.get(mum_row.language)))
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        delivery.drain()  # a drain leaves them alone: reconciling has its own schedule
        assert Delivery.objects.filter(state=DeliveryState.SENDING).count() == 2
        assert delivery.reconcile_due() == 2
        delivery.drain()
    assert [m["to"] for m in gateway.sent].count(mum.phone) == 1
    assert [m["to"] for m in gateway.sent].count(dad.phone) == 1
    mum_row.refresh_from_db()
    assert mum_row.state == DeliveryState.SENT and mum_row.provider_id == sid


def test_the_same_send_twice_creates_no_second_delivery(world):
    household, (mum,) = family(world.district, guardians=1)
    message = services.send_message(household=household, body="Hi", by=world.liaison)
    from liaison.messaging import outbox
    from liaison.people.models import Guardian

    outbox.write_deliveries(message, Guardian.objects.filter(pk=mum.pk), batched=True)
    assert Delivery.objects.filter(message=message).count() == 1


CHANNEL_CASES = [
    # (preferred channels, phone, email, opted-out channel, expected channel)
    (["sms"], "+16175550101", "a@example.org", None, "sms"),
    (["email", "sms"], "+16175550102", "B@Example.org", None, "email"),
    (["email", "sms"], "+16175550103", "c@example.org", "email", "sms"),
    # An address with capitals outside ASCII still meets its opt-out (stored lowercased).
    (["email", "sms"], "+16175550110", "ÉLODIE@example.org", "email", "sms"),
    (["sms", "email"], "+16175550104", "d@example.org", "sms", "email"),
    (["sms"], "+16175550105", "e@example.org", "sms", "portal"),
    (["portal", "sms"], "+16175550106", "f@example.org", None, "portal"),
    ([], "", "g@example.org", None, "email"),
    ([], "", "", None, "portal"),
    (["fax"], "+16175550109", "", None, "sms"),
]


@pytest.mark.parametrize("batched", [True, False])
def test_announcement_rows_take_each_guardians_first_usable_channel(world, batched, settings):
    """The set-based writer follows choose_channel: preference order, opt-outs, addresses."""
    from liaison.messaging import outbox
    from liaison.messaging.models import Suppression
    from liaison.people.models import Guardian

    settings.MESSAGING_QUIET_HOURS_CHANNELS = []
    household, guardians = family(world.district, guardians=len(CHANNEL_CASES) + 2)
    for g, (prefs, phone, email, blocked, _want) in zip(guardians, CHANNEL_CASES, strict=False):
        g.preferred_channels, g.phone, g.email = prefs, phone, email
        g.save()
        if blocked:
            address = phone if blocked == "sms" else email.lower()
            Suppression.objects.create(channel=blocked, address=address, reason="opt_out")
    restricted, inactive = guardians[-2:]
    Guardian.objects.filter(pk=restricted.pk).update(
        contact_restricted=True, contact_restriction_reason="No-contact order"
    )
    Guardian.objects.filter(pk=inactive.pk).update(is_active=False)
    message = Message.objects.create(district=world.district, body="Closed", kind="announcement")

    reached = outbox.write_deliveries(
        message, Guardian.objects.filter(household=household), batched=batched
    )

    rows = {d.guardian_id: d for d in Delivery.objects.filter(message=message)}
    assert reached == len(CHANNEL_CASES) == len(rows)
    for g, (_p, phone, email, _b, want) in zip(guardians, CHANNEL_CASES, strict=False):
        row = rows[g.pk]
        assert row.channel == want, (g.preferred_channels, want)
        assert row.address == {"sms": phone, "email": email.lower(), "portal": ""}[want]
        assert row.language == "es" and row.state == DeliveryState.QUEUED


def test_quiet_hours_hold_announcement_rows_per_guardian_zone(world, settings):
    """Rows written in the quiet period wait for the end of it in each guardian's own zone."""
    from liaison.messaging import outbox
    from liaison.people.models import Guardian

    settings.MESSAGING_QUIET_HOURS_CHANNELS = ["sms"]
    household, (east, west, mailer) = family(world.district, guardians=3)
    Guardian.objects.filter(pk=east.pk).update(
        preferred_channels=["sms"], time_zone="America/New_York"
    )
    Guardian.objects.filter(pk=west.pk).update(preferred_channels=["sms"], time_zone="Asia/Tokyo")
    Guardian.objects.filter(pk=mailer.pk).update(preferred_channels=["email"])
    message = Message.objects.create(
        district=world.district, body="Picture day", kind="announcement"
    )
    # 03:00 UTC: 22:00 in New York (quiet), noon in Tokyo (not).
    with time_machine.travel(dt.datetime(2026, 1, 15, 3, 0, tzinfo=dt.UTC), tick=False):
        now = timezone.now()
        outbox.write_deliveries(message, Guardian.objects.filter(household=household), batched=True)

    rows = {d.guardian_id: d for d in Delivery.objects.filter(message=message)}
    start, end = outbox.quiet_hours(world.district)
    for g, tz in ((east, "America/New_York"), (west, "Asia/Tokyo")):
        held = outbox.quiet_until(now, outbox.zone(tz), start, end)
        assert rows[g.pk].next_attempt_at == (held or now), tz
    assert rows[east.pk].next_attempt_at > now  # held until 08:00 in New York
    assert rows[mailer.pk].next_attempt_at == now
