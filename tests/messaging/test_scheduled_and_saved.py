"""Scheduled one-to-one messages (held in the outbox until their time, cancellable before) and
saved replies (placeholders filled per family, sent with their approved translations)."""

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from liaison.language import services as language
from liaison.messaging import delivery, services
from liaison.messaging.models import Delivery, Message, SavedReply
from liaison.people.choices import Role
from tests import factories as f
from tests.messaging.factories import family


def test_a_scheduled_message_waits_for_its_time_then_goes(client, world, gateway):
    household, (_mum,) = family(world.district, guardians=1, name="Later", site=world.school)
    client.force_login(world.leader)
    conversation = services.conversation_for(household)
    at = (timezone.localtime() + dt.timedelta(days=1)).replace(second=0, microsecond=0)
    response = client.post(
        reverse("messaging:conversation", args=[conversation.pk]),
        {"body": "Reminder: conference tomorrow at 4", "send_at": at.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    message = Message.objects.get(body="Reminder: conference tomorrow at 4")
    assert message.send_at == at
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    assert "Scheduled for" in page and "Cancel this message" in page

    delivery.drain()
    assert gateway.sent == []
    assert Delivery.objects.get(message=message).state == "queued"
    with time_machine.travel(at + dt.timedelta(minutes=1), tick=False):
        delivery.drain()
    assert len(gateway.sent) == 1
    assert Delivery.objects.get(message=message).state in ("sent", "delivered")


def test_a_scheduled_message_cancelled_before_its_time_never_goes(client, world, gateway):
    household, _ = family(world.district, guardians=2, name="Cancel", site=world.school)
    at = timezone.now() + dt.timedelta(hours=3)
    message = services.send_message(
        household=household, body="Never mind", by=world.leader, send_at=at
    )
    client.force_login(world.leader)
    response = client.post(
        reverse("messaging:message_cancel", args=[message.conversation_id, message.pk])
    )
    assert response.status_code == 302
    assert set(Delivery.objects.filter(message=message).values_list("state", flat=True)) == {
        "cancelled"
    }
    with time_machine.travel(at + dt.timedelta(minutes=1), tick=False):
        delivery.drain()
    assert gateway.sent == []
    page = client.get(reverse("messaging:conversation", args=[message.conversation_id]))
    assert "Cancelled: not sent" in page.content.decode()


def test_a_message_already_sent_cannot_be_cancelled(client, world, gateway):
    household, _ = family(world.district, guardians=1, name="Gone", site=world.school)
    at = timezone.now() + dt.timedelta(minutes=30)
    message = services.send_message(household=household, body="Soon", by=world.leader, send_at=at)
    client.force_login(world.leader)
    with time_machine.travel(at + dt.timedelta(minutes=1), tick=False):
        delivery.drain()
        client.post(reverse("messaging:message_cancel", args=[message.conversation_id, message.pk]))
    assert len(gateway.sent) == 1
    assert Delivery.objects.get(message=message).state != "cancelled"


def test_a_bad_send_time_is_named_and_the_message_is_kept(client, world):
    household, _ = family(world.district, guardians=1, name="Badtime", site=world.school)
    conversation = services.conversation_for(household)
    client.force_login(world.leader)
    for value, error in [
        ("2026-02-30T10:00", "Enter a date and time, such as 2027-03-14 16:30."),
        ("2001-01-01T10:00", "Choose a time in the future, or leave it empty."),
    ]:
        response = client.post(
            reverse("messaging:conversation", args=[conversation.pk]),
            {"body": "Keep these words", "send_at": value},
        )
        html = response.content.decode()
        assert response.status_code == 400
        assert error in html and "Keep these words" in html
    assert not Message.objects.filter(body="Keep these words").exists()


def test_saved_reply_placeholders_are_filled_and_its_translation_is_sent(client, world, gateway):
    household, (mum,) = family(world.district, guardians=1, name="Reyes", site=world.school)
    reply = services.save_reply(
        district=world.district,
        name="Thanks",
        body="Hello {guardian_name}, thank you for writing to {school}.",
        by=world.admin,
    )
    language.approve_template_translation(
        template=reply.template,
        district=world.district,
        language="es",
        subject="",
        body="Hola {guardian_name}, gracias por escribir a {school}.",
        by=world.admin,
    )
    client.force_login(world.leader)
    conversation = services.conversation_for(household)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    filled = f"Hello {mum.full_name}, thank you for writing to Alder Elementary."
    assert f'data-text="{filled}"' in page
    client.post(
        reverse("messaging:conversation", args=[conversation.pk]),
        {"body": filled, "saved_reply": reply.pk},
    )
    message = Message.objects.get(body=filled)
    assert message.template == reply.template.slug
    rendering = message.renderings.get(language="es")
    assert rendering.body == f"Hola {mum.full_name}, gracias por escribir a Alder Elementary."
    assert rendering.method == "approved"


def test_only_admins_and_leaders_manage_saved_replies_and_placeholders_are_checked(client, world):
    client.force_login(world.liaison)
    assert client.get(reverse("messaging:saved_replies")).status_code == 200
    assert (
        client.post(reverse("messaging:saved_replies"), {"name": "X", "body": "Y"}).status_code
        == 404
    )
    client.force_login(world.leader)
    response = client.post(
        reverse("messaging:saved_replies"),
        {"name": "Oops", "body": "Dear {parent}, <script>alert(1)</script>", "is_active": "on"},
    )
    assert response.status_code == 400
    assert "Unknown placeholder: {parent}." in response.content.decode()
    response = client.post(
        reverse("messaging:saved_replies"),
        {"name": "Welcome", "body": "Welcome to {school}!", "is_active": "on"},
    )
    assert response.status_code == 302
    reply = SavedReply.objects.get(template__name="Welcome")
    assert reply.template.district == world.district
    other = f.UserFactory(username="otheradmin")
    f.MembershipFactory(user=other, district=world.other_district, role=Role.DISTRICT_ADMIN)
    client.force_login(other)
    assert client.get(reverse("messaging:saved_reply_edit", args=[reply.pk])).status_code == 404


def test_call_offers_the_phone_and_the_contact_form_filled_in(client, world):
    household, (_mum, dad) = family(world.district, guardians=2, name="Caller", site=world.school)
    client.force_login(world.leader)
    conversation = services.conversation_for(household)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    log_url = (
        reverse("concerns:contacts", args=[household.pk]) + f"?kind=call&amp;guardian={dad.pk}"
    )
    assert f'href="tel:{dad.phone}"' in page
    assert log_url in page
    form = client.get(
        reverse("concerns:contacts", args=[household.pk]), {"kind": "call", "guardian": dad.pk}
    ).content.decode()
    assert f'href="tel:{dad.phone}"' in form
    assert f'<option value="{dad.pk}" selected>' in form
    assert '<option value="call" selected>' in form
    # Another household's guardian, or nonsense, fills nothing in and breaks nothing.
    other = world.site_family.guardians.first()
    for bad in [str(other.pk), "<script>", "9" * 30]:
        response = client.get(
            reverse("concerns:contacts", args=[household.pk]), {"kind": "x", "guardian": bad}
        )
        assert response.status_code == 200
        assert "tel:" not in response.content.decode()
