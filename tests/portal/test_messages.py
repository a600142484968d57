"""Messages in the portal: the family reads the school's messages in their language and replies."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from liaison.messaging import delivery
from liaison.messaging import services as messaging
from liaison.messaging.choices import Direction
from liaison.messaging.models import Message, Rendering
from liaison.portal import services
from liaison.portal.session import SESSION_KEY


@pytest.fixture(autouse=True)
def _console_channels(settings):
    from liaison.messaging import channels

    settings.MESSAGING_CHANNELS = {
        "sms": "liaison.messaging.channels.console.Console",
        "email": "liaison.messaging.channels.console.Console",
    }
    settings.MESSAGING_QUIET_HOURS_CHANNELS = []
    channels.reset()
    yield
    channels.reset()


def as_family(client, guardian):
    session = client.session
    session[SESSION_KEY] = guardian.pk
    session.save()
    return client


def translate(message, language, body, *, method="approved", subject=""):
    """Stand in for the language app: an approved translation of the message into `language`."""
    Rendering.objects.update_or_create(
        message=message,
        language=language,
        defaults={"body": body, "subject": subject, "method": method, "needs_follow_up": False},
    )


def test_family_reads_the_message_in_their_language_with_the_original(client, world, capsys):
    household = world.site_family  # prefers Vietnamese
    guardian = household.guardians.first()
    message = messaging.send_message(
        household=household, body="Conference is on Tuesday at 3 pm.", by=world.admin
    )
    delivery.drain()
    translate(message, "vi", "Buổi họp phụ huynh vào thứ Ba lúc 3 giờ chiều.")
    as_family(client, guardian)
    home = client.get(reverse("portal:home")).content.decode()
    assert "1 tin nhắn mới từ nhà trường" in home
    page = client.get(reverse("portal:conversations"), follow=True).content.decode()
    assert "Buổi họp phụ huynh vào thứ Ba lúc 3 giờ chiều." in page
    assert "Xem bản gốc" in page and "Conference is on Tuesday at 3 pm." in page
    # Once read, home no longer counts it as new.
    assert "tin nhắn mới từ nhà trường" not in client.get(reverse("portal:home")).content.decode()


def test_machine_translations_are_marked(client, world):
    household = world.caseload_family
    message = messaging.send_message(household=household, body="School is closed.", by=world.admin)
    translate(message, "es", "La escuela está cerrada.", method="machine")
    as_family(client, household.guardians.first())
    page = client.get(reverse("portal:conversations"), follow=True).content.decode()
    assert "La escuela está cerrada." in page
    assert "Traducido automáticamente" in page


def test_family_replies_with_an_attachment_and_the_school_sees_it(client, world):
    household = world.caseload_family
    guardian = household.guardians.first()
    messaging.send_message(household=household, body="How is Ana doing?", by=world.admin)
    as_family(client, guardian)
    conv = messaging.conversation_for(household)
    url = reverse("portal:conversation", args=[conv.pk])
    response = client.post(
        url,
        {
            "body": "Muy bien, gracias.",
            "attachment": SimpleUploadedFile("nota.pdf", b"%PDF-1.4 synthetic", "application/pdf"),
        },
    )
    assert response.status_code == 302
    reply = Message.objects.get(direction=Direction.IN)
    assert reply.guardian == guardian and reply.channel == "portal"
    assert reply.body == "Muy bien, gracias."
    assert reply.attachments.get().name == "nota.pdf"
    conv.refresh_from_db()
    assert conv.awaiting_since is not None  # waiting for staff
    page = client.get(url).content.decode()
    assert "Muy bien, gracias." in page and "Usted escribió" in page
    file_url = reverse("portal:attachment", args=[reply.attachments.get().pk])
    assert client.get(file_url).status_code == 200


def test_an_empty_reply_is_explained_and_nothing_is_sent(client, world):
    household = world.caseload_family
    messaging.send_message(household=household, body="Hello", by=world.admin)
    conv = messaging.conversation_for(household)
    as_family(client, household.guardians.first())
    client.post(reverse("portal:language"), {"language": "en"})
    response = client.post(reverse("portal:conversation", args=[conv.pk]), {"body": "   "})
    assert response.status_code == 200
    assert "Write your reply first." in response.content.decode()
    assert not Message.objects.filter(direction=Direction.IN).exists()


def test_another_households_thread_message_and_files_are_404(client, world):
    mine = world.caseload_family
    other = world.site_family
    messaging.send_message(household=mine, body="Mine", by=world.admin)
    other_msg = messaging.send_message(
        household=other,
        body="Theirs",
        by=world.admin,
        attachments=[("report.txt", b"private", "text/plain")],
    )
    other_conv = other_msg.conversation
    notice = messaging.send_notice(
        guardians=list(other.guardians.all()),
        subject="Field trip",
        body="Theirs only",
        by=world.admin,
        kind="event_invitation",
    )
    as_family(client, mine.guardians.first())
    assert client.get(reverse("portal:conversation", args=[other_conv.pk])).status_code == 404
    assert (
        client.post(reverse("portal:conversation", args=[other_conv.pk]), {"body": "x"}).status_code
        == 404
    )
    assert client.get(reverse("portal:announcement", args=[notice.pk])).status_code == 404
    attachment = other_msg.attachments.get()
    assert client.get(reverse("portal:attachment", args=[attachment.pk])).status_code == 404
    assert "Theirs only" not in client.get(reverse("portal:announcements")).content.decode()


def test_a_co_guardian_does_not_see_what_the_other_wrote(client, world):
    from tests import factories as f

    household = world.caseload_family
    first = household.guardians.first()
    second = f.GuardianFactory(household=household, given_name="Second", preferred_language="es")
    messaging.record_family_reply(guardian=second, body="Private note from Second", channel="sms")
    conv = messaging.conversation_for(household)
    as_family(client, first)
    page = client.get(reverse("portal:conversation", args=[conv.pk])).content.decode()
    assert "Private note from Second" not in page


def test_announcements_reach_the_portal_in_the_familys_language(client, world):
    guardian = world.caseload_family.guardians.first()
    notice = messaging.send_notice(
        guardians=[guardian],
        subject="Picture day",
        body="Bring a smile.",
        by=world.admin,
        kind="reminder",
    )
    translate(notice, "es", "Traiga una sonrisa.", subject="Día de fotos")
    as_family(client, guardian)
    listing = client.get(reverse("portal:announcements")).content.decode()
    assert "Día de fotos" in listing
    page = client.get(reverse("portal:announcement", args=[notice.pk])).content.decode()
    assert "Traiga una sonrisa." in page and "Bring a smile." in page


def test_the_link_in_a_text_opens_the_thread_directly(client, world):
    household = world.caseload_family
    guardian = household.guardians.first()
    message = messaging.send_message(household=household, body="See you", by=world.admin)
    link = services.portal_links_for([guardian.pk], "conversation", message)[guardian.pk]
    response = client.get(link.split("127.0.0.1:8000", 1)[-1])
    assert response["Location"] == reverse("portal:conversation", args=[message.conversation_id])
    assert client.get(response["Location"]).status_code == 200
    # The link opened that thread only.
    assert client.get(reverse("portal:children")).status_code == 302


def test_messaging_puts_the_portal_link_into_the_text(world, settings):
    from liaison.messaging.models import Delivery

    settings.PUBLIC_URL = "https://liaison.example.org"
    household = world.caseload_family
    message = messaging.send_message(household=household, body="Hello", by=world.admin)
    d = Delivery.objects.filter(message=message).first()
    from liaison.messaging.delivery import compose

    out = compose(d, None)
    assert "https://liaison.example.org/family/go/thread/" in out.body
