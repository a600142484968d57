"""Staff write to a household; notices to guardians; each guardian reached once on their channel."""

import pytest
from django.core import mail

from liaison.messaging import delivery, services
from liaison.messaging.choices import DeliveryState
from liaison.messaging.models import Delivery, Message
from tests.messaging.factories import family


def test_message_to_household_with_restricted_guardian_reaches_the_others_only(world, gateway):
    household, (mum, dad, aunt) = family(world.district, guardians=3)
    aunt.contact_restricted = True
    aunt.contact_restriction_reason = "No-contact order"
    aunt.save()
    dad.preferred_channels = ["email"]
    dad.save()

    message = services.send_message(
        household=household, body="Conference on Monday", by=world.liaison
    )
    delivery.drain()

    assert [m["to"] for m in gateway.sent] == [mum.phone]
    assert [e.to for e in mail.outbox] == [[dad.email]]
    assert not Delivery.objects.filter(guardian=aunt).exists()
    assert aunt.phone not in {m["to"] for m in gateway.sent}
    assert set(message.deliveries.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_restriction_set_after_queueing_still_stops_the_delivery(world, gateway):
    household, (mum,) = family(world.district, guardians=1)
    services.send_message(household=household, body="Hello", by=world.liaison)
    mum.contact_restricted = True
    mum.contact_restriction_reason = "Court order"
    mum.save()

    delivery.drain()

    assert gateway.sent == []
    assert Delivery.objects.get(guardian=mum).state == DeliveryState.SUPPRESSED


def test_same_notice_with_a_dedupe_key_is_sent_once(world, gateway):
    _household, guardians = family(world.district, guardians=2)
    args = dict(
        guardians=guardians,
        subject="Reminder",
        body="Family night is tomorrow",
        by=None,
        kind="event_reminder",
        dedupe_key="event-7-reminder-1",
    )
    first = services.send_notice(**args)
    second = services.send_notice(**args)
    delivery.drain()

    assert first.pk == second.pk
    assert Message.objects.filter(dedupe_key="event-7-reminder-1").count() == 1
    assert len(gateway.sent) == 2


def test_family_reply_lands_in_the_household_thread_awaiting_staff(world):
    household, (mum,) = family(world.district, guardians=1)
    sent = services.send_message(household=household, body="How is Ana?", by=world.liaison)
    reply = services.record_family_reply(guardian=mum, body="She is better", channel="sms")

    assert reply.conversation_id == sent.conversation_id
    reply.conversation.refresh_from_db()
    assert reply.conversation.awaiting_since is not None


def test_an_empty_message_is_refused(world):
    household, _ = family(world.district, guardians=1)
    with pytest.raises(Exception, match="Write a message"):
        services.send_message(household=household, body="  ", by=world.liaison)
