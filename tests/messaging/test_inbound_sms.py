"""Texts from families: the Twilio-format webhook, its signature, STOP/START/HELP, keywords, unknown numbers."""

import pytest
from django.urls import reverse

from liaison.messaging import delivery, registry, services
from liaison.messaging.audiences import Audience
from liaison.messaging.choices import DeliveryState, SuppressionReason
from liaison.messaging.models import (
    Conversation,
    Delivery,
    Message,
    Suppression,
    UnmatchedInbound,
)
from tests.messaging.factories import family
from tests.messaging.webhooks import inbound, post_signed


def test_a_bad_signature_is_refused_and_nothing_is_stored(client, world, gateway):
    _household, (mum,) = family(world.district, guardians=1)
    response = post_signed(
        client,
        "/messages/sms/inbound/",
        {"From": mum.phone, "Body": "STOP", "MessageSid": "SM1"},
        signature="bm90IGEgc2lnbmF0dXJl",
    )
    assert response.status_code == 403
    unsigned = client.post("/messages/sms/inbound/", {"From": "+16175550111", "Body": "hi"})
    assert unsigned.status_code == 403
    assert not Message.objects.exists()
    assert not UnmatchedInbound.objects.exists()
    assert not Suppression.objects.exists()


def test_signature_is_checked_against_the_public_url_not_the_request_host(client, world, gateway):
    _household, (mum,) = family(world.district, guardians=1)
    # Signed for the internal host the proxy forwarded to: not what the provider signs.
    from twilio.request_validator import RequestValidator

    data = {"From": mum.phone, "Body": "Hello", "MessageSid": "SM2"}
    wrong = RequestValidator(gateway.token).compute_signature(
        "http://testserver/messages/sms/inbound/", data
    )
    assert post_signed(client, "/messages/sms/inbound/", data, signature=wrong).status_code == 403
    assert inbound(client, mum.phone, "Hello", "SM2").status_code == 200
    assert Message.objects.get(guardian=mum).body == "Hello"


def test_a_reply_lands_in_the_household_thread_once_even_if_the_provider_retries(
    client, world, gateway
):
    household, (mum,) = family(world.district, guardians=1)
    services.send_message(household=household, body="Can you come Monday?", by=world.liaison)
    inbound(client, mum.phone, "Yes, at 3", "SM10")
    inbound(client, mum.phone, "Yes, at 3", "SM10")
    conversation = Conversation.objects.get(household=household)
    assert list(conversation.messages.values_list("direction", "body")) == [
        ("out", "Can you come Monday?"),
        ("in", "Yes, at 3"),
    ]
    assert conversation.awaiting_since is not None


def test_stop_stops_every_later_sms_including_queued_announcements(client, world, gateway):
    # English readers: the confirmation is now written in the guardian's language.
    household, (mum, dad) = family(world.district, guardians=2, language="en")
    dad.preferred_channels = ["sms"]
    dad.save()
    announcement = services.send_announcement(
        district=world.district,
        audience=Audience(guardian_ids=[mum.pk, dad.pk]),
        subject="Snow day",
        body="No school tomorrow",
        by=world.admin,
    )
    services.prepare_message(announcement.pk)
    assert Delivery.objects.filter(message=announcement, address=mum.phone).exists()

    assert inbound(client, mum.phone, "Stop", "SM20").status_code == 200
    assert inbound(client, mum.phone, "STOP", "SM21").status_code == 200  # confirmed once only
    delivery.drain()
    services.send_message(household=household, body="Conference reminder", by=world.liaison)
    delivery.drain()

    to_mum = [m["body"] for m in gateway.sent if m["to"] == mum.phone]
    assert len(to_mum) == 1 and "no more text messages" in to_mum[0]
    to_dad = [m["body"] for m in gateway.sent if m["to"] == dad.phone]
    assert len(to_dad) == 2
    assert "No school tomorrow" in to_dad[0] and "Conference reminder" in to_dad[1]
    assert (
        Delivery.objects.get(message=announcement, guardian=mum).state == DeliveryState.SUPPRESSED
    )
    # The guardian's page shows the opt-out.
    client.force_login(world.admin)
    page = client.get(reverse("people:guardian", args=[mum.pk])).content.decode()
    assert "Opted out of SMS" in page


@pytest.mark.parametrize("word", ["no más", "Arrêter", "dừng", "STOPALL", "unsubscribe", "Quit."])
def test_stop_in_other_words_and_languages_opts_out(client, world, gateway, word):
    _household, (mum,) = family(world.district, guardians=1)
    inbound(client, mum.phone, word, "SM30")
    assert Suppression.objects.filter(address=mum.phone, reason=SuppressionReason.OPT_OUT).exists()


def test_start_opts_back_in(client, world, gateway):
    household, (mum,) = family(world.district, guardians=1)
    inbound(client, mum.phone, "STOP", "SM40")
    inbound(client, mum.phone, "START", "SM41")
    services.send_message(household=household, body="Welcome back", by=world.liaison)
    delivery.drain()
    assert any("Welcome back" in m["body"] for m in gateway.sent if m["to"] == mum.phone)


def test_help_answers_with_the_contact_line_in_the_guardians_language(client, world, gateway):
    _household, (mum,) = family(world.district, guardians=1, language="es")
    inbound(client, mum.phone, "HELP", "SM50")
    delivery.drain()
    (reply,) = [m for m in gateway.sent if m["to"] == mum.phone]
    assert "+16175550100" in reply["body"] and "STOP" in reply["body"]
    assert Delivery.objects.get(address=mum.phone).language == "es"


def test_keyword_handlers_take_their_texts(client, world, gateway):
    household, (mum,) = family(world.district, guardians=1)
    seen = []

    def rsvp(guardian, text, message):
        seen.append((guardian.pk, text, message.pk))
        return text.upper().startswith("YES")

    registry.register_keyword_handler(rsvp)
    try:
        inbound(client, mum.phone, "YES 2", "SM60")
        conversation = Conversation.objects.get(household=household)
        assert conversation.awaiting_since is None
        assert seen[0][:2] == (mum.pk, "YES 2")
        inbound(client, mum.phone, "Who is coming?", "SM61")
        conversation.refresh_from_db()
        assert conversation.awaiting_since is not None
    finally:
        registry._keyword_handlers.remove(rsvp)


@pytest.mark.parametrize("answer", ["YES", "Sí", "si"])
def test_a_bare_yes_from_a_number_that_never_opted_out_is_an_answer(client, world, gateway, answer):
    _household, (mum,) = family(world.district, guardians=1, language="es")
    seen = []

    def survey(guardian, text, message):
        seen.append(text)
        return True

    registry.register_keyword_handler(survey)
    try:
        inbound(client, mum.phone, answer, "SM62")
    finally:
        registry._keyword_handlers.remove(survey)
    assert seen == [answer]
    assert not gateway.sent  # no "you will receive our texts again" to a number that never left


def test_an_unknown_number_waits_for_a_liaison_to_attach_it(client, world, gateway):
    inbound(client, "+12125550177", "This is Maria, Ana's mum", "SM70")
    item = UnmatchedInbound.objects.get()
    household = world.caseload_family
    guardian = household.guardians.first()
    client.force_login(world.liaison)
    assert "Ana&#x27;s mum" in client.get(reverse("messaging:unmatched")).content.decode()
    response = client.post(
        reverse("messaging:unmatched_attach", args=[item.pk]), {"guardian": guardian.pk}
    )
    assert response.status_code == 302
    message = Message.objects.get(guardian=guardian)
    assert message.body == "This is Maria, Ana's mum"
    assert response["Location"] == reverse("messaging:conversation", args=[message.conversation_id])
    client.force_login(world.teacher)
    assert client.get(reverse("messaging:unmatched_attach", args=[item.pk])).status_code == 404


def test_status_callbacks_update_deliveries_and_a_carrier_rejection_marks_the_number(
    client, world, gateway
):
    household, (mum, dad) = family(world.district, guardians=2)
    services.send_message(household=household, body="Hi", by=world.liaison)
    delivery.drain()
    sid_mum = next(m["sid"] for m in gateway.sent if m["to"] == mum.phone)
    sid_dad = next(m["sid"] for m in gateway.sent if m["to"] == dad.phone)
    post_signed(
        client, "/messages/sms/status/", {"MessageSid": sid_mum, "MessageStatus": "delivered"}
    )
    post_signed(
        client,
        "/messages/sms/status/",
        {"MessageSid": sid_dad, "MessageStatus": "undelivered", "ErrorCode": "30006"},
    )
    assert Delivery.objects.get(guardian=mum).state == DeliveryState.DELIVERED
    failed = Delivery.objects.get(guardian=dad)
    assert failed.state == DeliveryState.FAILED and "30006" in failed.error
    assert Suppression.objects.get(address=dad.phone).reason == SuppressionReason.REJECTED
    bad = post_signed(client, "/messages/sms/status/", {"MessageSid": sid_mum}, signature="eA==")
    assert bad.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_text_cut_off_before_it_was_stored_is_stored_when_the_provider_retries(
    client, world, gateway, monkeypatch
):
    """The process dies after the MessageSid was marked seen but before the text was stored (here:
    the guardian lookup fails). Nothing was answered 2xx, so the provider retries; the retry must
    store the text, not be turned away as a duplicate of a text that was never kept."""
    from liaison.messaging import inbound as inbound_module

    _household, (mum,) = family(world.district, guardians=1)

    def cut_off(number):
        raise RuntimeError("worker killed")

    client.raise_request_exception = False
    with monkeypatch.context() as patched:
        patched.setattr(inbound_module, "guardians_with_number", cut_off)
        assert inbound(client, mum.phone, "Llego tarde hoy", "SM-CUT").status_code == 500
    assert not Message.objects.filter(guardian=mum).exists()

    assert inbound(client, mum.phone, "Llego tarde hoy", "SM-CUT").status_code == 200
    assert Message.objects.get(guardian=mum).body == "Llego tarde hoy"
    assert inbound(client, mum.phone, "Llego tarde hoy", "SM-CUT").status_code == 200
    assert Message.objects.filter(guardian=mum).count() == 1
