"""Deliveries kept bounded by age when LIAISON_DELIVERY_MONTHS is set (issue #22.5): the daily
`delivery-retention` sweep deletes finished deliveries older than the months kept, never one still
on its way, and nothing at all when the setting is unset."""

import datetime as dt

from liaison.core import periodic
from liaison.messaging import services
from liaison.messaging.choices import DeliveryState
from liaison.messaging.models import Delivery
from tests.messaging.factories import family

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


def _delivery_made(world, household, *, days_ago, state):
    message = services.send_message(household=household, body="Conference", by=world.liaison)
    row = message.deliveries.get()
    Delivery.objects.filter(pk=row.pk).update(
        state=state, created_at=NOW - dt.timedelta(days=days_ago)
    )
    return row.pk


def _sweep():
    _every, run = periodic.SWEEPS["delivery-retention"]
    return run(now=NOW)


def test_every_delivery_is_kept_by_default(world):
    household, _ = family(world.district, guardians=1)
    old = _delivery_made(world, household, days_ago=900, state=DeliveryState.DELIVERED)

    assert _sweep() == 0
    assert Delivery.objects.filter(pk=old).exists()


def test_finished_deliveries_older_than_the_months_kept_are_deleted(world, settings):
    settings.LIAISON_DELIVERY_MONTHS = 6
    household, _ = family(world.district, guardians=1)
    # Kept from 2026-06-01 (six months back from the start of December).
    delivered = _delivery_made(world, household, days_ago=200, state=DeliveryState.DELIVERED)
    failed = _delivery_made(world, household, days_ago=400, state=DeliveryState.FAILED)
    recent = _delivery_made(world, household, days_ago=150, state=DeliveryState.DELIVERED)
    queued = _delivery_made(world, household, days_ago=400, state=DeliveryState.QUEUED)
    sending = _delivery_made(world, household, days_ago=400, state=DeliveryState.SENDING)

    assert _sweep() == 2
    left = set(Delivery.objects.values_list("pk", flat=True))
    assert {delivered, failed}.isdisjoint(left)
    assert {recent, queued, sending} <= left


def test_fewer_than_four_months_is_read_as_four(world, settings):
    settings.LIAISON_DELIVERY_MONTHS = 1
    household, _ = family(world.district, guardians=1)
    # The insights read 90 days of deliveries: a delivery of two months ago stays.
    two_months = _delivery_made(world, household, days_ago=60, state=DeliveryState.DELIVERED)
    five_months = _delivery_made(world, household, days_ago=160, state=DeliveryState.DELIVERED)

    assert _sweep() == 1
    assert list(Delivery.objects.values_list("pk", flat=True)) == [two_months]
    assert not Delivery.objects.filter(pk=five_months).exists()
