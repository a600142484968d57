"""A worker hands over only what it holds, and not past its lease; a drain stops after its budget.

The loadtest's kill check (bench/loadtest.md) found rows "queued" whose texts had reached the
gateway: a reconcile had put them back while the worker that held them, its batch outlasting the
lease on a loaded machine, was still handing them over. These pin the three rules that close it
(messaging/delivery.py's docstring); tests/messaging/test_worker_kill.py shows it with real
processes.
"""

import datetime as dt
import types

import pytest
import time_machine
from django.utils import timezone

from liaison.messaging import delivery, services
from liaison.messaging.choices import DeliveryState
from liaison.messaging.models import Delivery
from tests.messaging.factories import family


def notices(world, *, guardians: int, count: int = 1):
    _household, people = family(
        world.district, guardians=guardians, language="en", preferred_channels=["sms"]
    )
    for n in range(count):
        services.send_notice(
            guardians=people,
            subject="",
            body=f"Notice {n}: the buses run late today.",
            by=None,
            kind="other",
            urgent=True,
        )
    return people


@pytest.fixture
def clock(monkeypatch):
    """time.monotonic as the test sets it (the hand-over's deadline and the drain's budget)."""
    now = [1000.0]
    monkeypatch.setattr(delivery, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    return now


def test_rows_another_worker_took_over_are_not_handed_over(world, gateway):
    notices(world, guardians=3)
    # A slow worker claimed them a lease ago and is only now done preparing the batch...
    slow = delivery._claim_rows("slow", limit=10)
    assert len(slow) == 3
    Delivery.objects.update(lease_until=timezone.now() - dt.timedelta(seconds=5))
    # ...meanwhile another worker took the expired leases over and sent them.
    assert delivery.drain(owner="quick") == 3
    assert len(gateway.sent) == 3
    counts = delivery._process(slow, "slow")
    assert counts["sent"] == 0
    assert len(gateway.sent) == 3, "the slow worker handed over nothing it no longer held"
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_no_hand_over_starts_in_the_last_third_of_the_lease(
    world, gateway, settings, clock, monkeypatch
):
    settings.MESSAGING_SEND_THREADS = 1
    settings.MESSAGING_LEASE_SECONDS = 60
    notices(world, guardians=5)
    rows = delivery._claim_rows("w", limit=10)

    def tick(request):
        clock[0] += 15  # each text takes the provider 15 s to take
        return real_send(request)

    backend = delivery.channels.get("sms")
    real_send = backend.send
    monkeypatch.setattr(backend, "send", tick)
    counts = delivery._process(rows, "w")
    monkeypatch.undo()
    # The lease is renewed as the batch turns "sending"; hand-overs start at 0, 15 and 30 s, and
    # the fourth would start at 45 s, past two thirds of the lease (40 s).
    assert counts["sent"] == 3 and counts["retry"] == 2
    assert len(gateway.sent) == 3
    left = Delivery.objects.exclude(state=DeliveryState.SENT)
    assert {(d.state, d.attempts, d.lease_owner) for d in left} == {(DeliveryState.QUEUED, 0, "")}
    # They were never handed over: the next drain sends them, once.
    delivery.drain(owner="next")
    assert sorted(m["key"] for m in gateway.sent) == sorted(
        f"liaison-delivery-{pk}" for pk in Delivery.objects.values_list("pk", flat=True)
    )


def test_a_reconcile_leaves_a_batch_being_handed_over_alone(world, gateway, settings):
    """The lease runs from the moment the batch turns "sending", not from the claim."""
    notices(world, guardians=2)
    rows = delivery._claim_rows("w", limit=10)
    # Preparing the batch took nearly the whole lease the claim set.
    Delivery.objects.update(lease_until=timezone.now() + dt.timedelta(seconds=1))
    held, _deadline = delivery._mark_sending([d.pk for d in rows], "w")
    assert held == {d.pk for d in rows}
    # The claim's lease would have run out by now; the renewed one has not.
    later = timezone.now() + dt.timedelta(seconds=5)
    assert delivery.reconcile_interrupted(now=later) == 0
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENDING}


def test_a_drain_stops_claiming_after_its_budget(world, gateway, settings, clock, monkeypatch):
    settings.MESSAGING_DRAIN_SECONDS = 60
    notices(world, guardians=2, count=5)  # 10 rows, batches of 2
    real_claim = delivery._claim_rows

    def slow_claim(*args, **kwargs):
        clock[0] += 25  # a claim on a loaded machine
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(delivery, "_claim_rows", slow_claim)
    # Claims start at 0, 25 and 50 s; at 75 s the budget is spent.
    assert delivery.drain(owner="w", batch_size=2) == 6
    monkeypatch.undo()
    assert Delivery.objects.filter(state=DeliveryState.QUEUED).count() == 4
    assert delivery.next_due_at() <= timezone.now(), "deliver_due queues the next drain at once"


def test_a_reconcile_does_not_take_an_earlier_text_alike_for_this_one(world, gateway):
    """The same words to the same number a minute earlier (a notice repeated; `make loadtest`
    sends three announcements alike) are another delivery's text: this one was never handed
    over, so it goes back to the queue and is sent, rather than marked sent by the other's id."""
    start = timezone.now()
    (mum,) = notices(world, guardians=1)
    delivery.drain(owner="w")
    first = Delivery.objects.get()
    assert first.state == DeliveryState.SENT
    with time_machine.travel(start + dt.timedelta(minutes=1)):
        services.send_notice(
            guardians=[mum],
            subject="",
            body="Notice 0: the buses run late today.",
            by=None,
            kind="other",
            urgent=True,
        )
        rows = delivery._claim_rows("dead", limit=10)
        delivery._mark_sending([d.pk for d in rows], "dead")  # and the worker died
    with time_machine.travel(start + dt.timedelta(minutes=5)):
        assert delivery.reconcile_due() == 1
        second = Delivery.objects.exclude(pk=first.pk).get()
        assert second.state == DeliveryState.QUEUED
        delivery.drain(owner="w")
    second.refresh_from_db()
    assert len(gateway.sent) == 2
    assert {first.provider_id, second.provider_id} == {m["sid"] for m in gateway.sent}
