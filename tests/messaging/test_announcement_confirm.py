"""An announcement to more than 50 families is confirmed on the server with its count, and an
announcement's status follows its deliveries in words: queued → sending → sent, with counts."""

from django.urls import reverse

from liaison.messaging import delivery, services
from liaison.messaging.audiences import Audience
from liaison.messaging.choices import DeliveryState
from liaison.messaging.models import Delivery, Message
from tests import factories as f
from tests.messaging.factories import family


def _families(world, n, grade):
    guardians = []
    for i in range(n):
        household, (g,) = family(world.district, guardians=1, name=f"Grade{grade}-{i}")
        student = f.StudentFactory(household=household, grade=grade, district=world.district)
        f.EnrolmentFactory(student=student, site=world.school)
        g.student_links.create(student=student)
        guardians.append(g)
    return guardians


DATA = {"subject": "Field trip", "body": "The field trip is on Friday.", "grades": ["07"]}


def test_sending_to_more_than_50_families_asks_to_confirm_with_the_count(client, world):
    _families(world, 51, "07")
    client.force_login(world.admin)
    url = reverse("messaging:announcement_new")

    asked = client.post(url, {**DATA, "send": "1"})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Yes, send to 51 families" in page
    assert "The field trip is on Friday." in page  # nothing typed is lost
    assert not Message.objects.filter(kind="announcement").exists()

    # A confirmation given for another count (the audience changed) asks again.
    stale = client.post(url, {**DATA, "send": "1", "confirm_families": "12"})
    assert "Yes, send to 51 families" in stale.content.decode()
    assert not Message.objects.filter(kind="announcement").exists()

    sent = client.post(url, {**DATA, "send": "1", "confirm_families": "51"})
    assert sent.status_code == 302
    assert Message.objects.filter(kind="announcement").count() == 1


def test_sending_to_50_families_needs_no_confirmation(client, world):
    _families(world, 50, "07")
    client.force_login(world.admin)
    response = client.post(reverse("messaging:announcement_new"), {**DATA, "send": "1"})
    assert response.status_code == 302
    assert Message.objects.filter(kind="announcement").count() == 1


def _status(client, message) -> str:
    page = client.get(reverse("messaging:announcement", args=[message.pk])).content.decode()
    start = page.index('id="announcement-status">') + len('id="announcement-status">')
    return page[start : page.index("</span>", start)]


def test_an_announcements_status_follows_its_deliveries_in_words(client, world, gateway):
    guardians = _families(world, 3, "08")
    message = services.send_announcement(
        district=world.district,
        audience=Audience(guardian_ids=[g.pk for g in guardians]),
        subject="Picture day",
        body="Picture day is Friday.",
        by=world.admin,
    )
    client.force_login(world.admin)
    services.prepare_message(message.pk)
    assert _status(client, message) == "Queued — 3 waiting"

    first = Delivery.objects.filter(message=message).order_by("pk").first()
    Delivery.objects.filter(pk=first.pk).update(state=DeliveryState.SENT)
    assert _status(client, message) == "Sending — 1 of 3 sent"

    delivery.drain()
    assert _status(client, message) == "Sent — 3 sent, 0 failed"
    listing = client.get(reverse("messaging:announcements")).content.decode()
    assert "Sent — 3 sent, 0 failed" in listing
