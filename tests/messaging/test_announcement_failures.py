"""The announcement page: failures grouped by reason in words, "Retry all", "Switch these to another channel"."""

import pytest
from django.core import mail
from django.urls import reverse

from liaison.messaging import delivery
from liaison.messaging.choices import DeliveryState, FailureReason, MessageKind
from liaison.messaging.models import Delivery, Message
from tests.messaging.factories import family


@pytest.fixture
def snow_day(world):
    """An announcement to Alder Elementary: two texts to invalid numbers, one that outlived an
    outage, one sent."""
    message = Message.objects.create(
        district=world.district,
        kind=MessageKind.ANNOUNCEMENT,
        subject="Snow day",
        body="School is closed tomorrow.",
        audience={"sites": [world.school.pk]},
        sent_by=world.admin,
    )
    household, guardians = family(world.district, guardians=4, language="en")
    rows = {}
    for g, state, failure in zip(
        guardians,
        [DeliveryState.FAILED, DeliveryState.FAILED, DeliveryState.FAILED, DeliveryState.SENT],
        [FailureReason.INVALID_NUMBER, FailureReason.INVALID_NUMBER, FailureReason.OUTAGE, ""],
        strict=True,
    ):
        rows[g.pk] = Delivery.objects.create(
            message=message,
            guardian=g,
            household_id_copy=household.pk,
            channel="sms",
            address=g.phone,
            language="en",
            state=state,
            failure=failure,
            error="refused" if failure else "",
        )
    return message, guardians


def _page(client, message):
    return client.get(reverse("messaging:announcement", args=[message.pk])).content.decode()


def test_failures_are_grouped_by_reason_in_words_with_the_actions(client, world, snow_day):
    message, _guardians = snow_day
    client.force_login(world.admin)
    page = _page(client, message)
    assert "Why messages failed" in page
    assert "The number cannot receive texts</strong>: 2" in page
    assert "within the district&#x27;s waiting time</strong>: 1" in page
    assert "Retry all" in page and "Switch these to another channel" in page
    assert ">invalid_number<" not in page and ">failed<" not in page, "no codes shown"
    assert "<dt>Failed</dt><dd>3</dd>" in page and "<dt>Text message</dt><dd>4</dd>" in page


def test_switching_invalid_numbers_sends_those_families_an_email(client, world, snow_day, gateway):
    message, guardians = snow_day
    client.force_login(world.admin)
    client.post(
        reverse("messaging:announcement_switch_failed", args=[message.pk]),
        {"reason": FailureReason.INVALID_NUMBER},
    )
    delivery.drain()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(g.email for g in guardians[:2])
    assert gateway.sent == [], "the outage's text is not part of that group"
    assert "Sending 2 messages on the other channel." in _page(client, message)


def test_retry_all_sends_the_texts_that_outlived_an_outage_again(client, world, snow_day, gateway):
    message, guardians = snow_day
    client.force_login(world.leader)  # leads Alder Elementary, the whole audience
    client.post(
        reverse("messaging:announcement_retry_failed", args=[message.pk]),
        {"reason": FailureReason.OUTAGE},
    )
    delivery.drain()
    assert [m["to"] for m in gateway.sent] == [guardians[2].phone]
    row = Delivery.objects.get(message=message, guardian=guardians[2])
    assert row.state == DeliveryState.SENT and row.failure == ""


def test_only_those_who_may_resend_see_and_use_the_actions(client, world, snow_day):
    message, _guardians = snow_day
    url = reverse("messaging:announcement_retry_failed", args=[message.pk])
    for user in (world.liaison, world.teacher, world.outsider):
        client.force_login(user)
        assert client.post(url, {"reason": FailureReason.OUTAGE}).status_code == 404
    # A leader whose sites do not cover the announcement's audience sees the page, not the actions.
    message.audience = {"sites": [world.school.pk, world.other_school.pk]}
    message.save()
    client.force_login(world.leader)
    assert "Retry all" not in _page(client, message)
    assert client.post(url, {"reason": FailureReason.OUTAGE}).status_code == 404
    assert Delivery.objects.filter(message=message, state=DeliveryState.FAILED).count() == 3


def test_a_made_up_reason_is_refused_in_words_not_a_server_error(client, world, snow_day):
    message, _guardians = snow_day
    client.force_login(world.admin)
    response = client.post(
        reverse("messaging:announcement_switch_failed", args=[message.pk]),
        {"reason": "'; DROP TABLE"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Choose a group of failed messages." in response.content.decode()
    assert Delivery.objects.filter(message=message, state=DeliveryState.FAILED).count() == 3
