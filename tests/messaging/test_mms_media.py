"""Pictures and files families send by text (MMS): kept with the message, fetched after the
webhook answers, refused from anywhere but the provider, and never silently lost."""

import pytest
from django.urls import reverse

from liaison.audit.models import AccessLog
from liaison.messaging import media, services
from liaison.messaging.models import Attachment, Message, UnmatchedInbound
from tests.messaging.factories import family
from tests.messaging.webhooks import post_signed

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def text_with_media(client, sender, sid, *urls, content_type="image/png"):
    data = {"From": sender, "To": "+16175550199", "Body": "Here is the form", "MessageSid": sid}
    data["NumMedia"] = str(len(urls))
    for i, url in enumerate(urls):
        data[f"MediaUrl{i}"] = url
        data[f"MediaContentType{i}"] = content_type
    return post_signed(client, "/messages/sms/inbound/", data)


def test_a_picture_sent_by_text_is_fetched_and_staff_download_it(
    client, world, gateway, django_capture_on_commit_callbacks
):
    household, (mum,) = family(world.district, guardians=1)
    url = gateway.add_media(PNG, "image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = text_with_media(client, mum.phone, "MM100", url)
    assert response.status_code == 200
    attachment = Attachment.objects.get(message__guardian=mum)
    assert attachment.is_pending and attachment.source_url == url
    assert media.fetch(attachment.pk) is True
    attachment.refresh_from_db()
    assert attachment.size == len(PNG) and attachment.name.endswith(".png")
    assert attachment.content_type == "image/png" and not attachment.is_pending
    assert media.fetch(attachment.pk) is False  # a second run changes nothing

    client.force_login(world.admin)
    thread = client.get(
        reverse("messaging:conversation", args=[attachment.message.conversation_id])
    )
    assert reverse("messaging:attachment", args=[attachment.pk]) in thread.content.decode()
    download = client.get(reverse("messaging:attachment", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert AccessLog.objects.filter(
        household_id=household.pk, action="attachment", username="admin"
    ).exists()


def test_media_anywhere_but_the_provider_is_not_fetched_and_staff_see_why(client, world, gateway):
    _household, (mum,) = family(world.district, guardians=1)
    text_with_media(client, mum.phone, "MM101", "https://attacker.example.net/x.png")
    attachment = Attachment.objects.get(message__guardian=mum)
    assert media.fetch(attachment.pk) is False
    attachment.refresh_from_db()
    assert "attacker.example.net is not the SMS provider" in attachment.fetch_error
    assert not attachment.file
    client.force_login(world.admin)
    page = client.get(
        reverse("messaging:conversation", args=[attachment.message.conversation_id])
    ).content.decode()
    assert "could not be kept" in page and "Here is the form" in page
    assert client.get(reverse("messaging:attachment", args=[attachment.pk])).status_code == 404


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("missing", "no longer has this file"),
        ("large", "too large"),
    ],
)
def test_a_fetch_that_fails_keeps_the_message_and_the_reason(
    client, world, gateway, settings, setup, reason
):
    _household, (mum,) = family(world.district, guardians=1)
    url = gateway.add_media(PNG, "image/png")
    if setup == "missing":
        gateway.media.clear()
    else:
        settings.MESSAGING_MAX_ATTACHMENT_BYTES = 10
    text_with_media(client, mum.phone, "MM102", url)
    kept, failed = media.fetch_pending()
    assert (kept, failed) == (0, 1)
    attachment = Attachment.objects.get()
    assert reason in attachment.fetch_error
    assert Message.objects.get(guardian=mum).body == "Here is the form"


def test_media_on_a_text_from_an_unknown_number_follows_it_to_the_household(client, world, gateway):
    _household, (mum,) = family(world.district, guardians=1)
    url = gateway.add_media(PNG, "image/png")
    text_with_media(client, "+16175550777", "MM103", url)
    item = UnmatchedInbound.objects.get()
    assert item.media == [[url, "image/png"]]
    message = services.attach_unmatched(item=item, guardian=mum, by=world.admin)
    assert message.attachments.get().source_url == url
    assert media.fetch_pending() == (1, 0)


def test_a_hostile_media_count_or_url_is_ignored_not_a_500(client, world, gateway):
    _household, (mum,) = family(world.district, guardians=1)
    data = {
        "From": mum.phone,
        "Body": "hi",
        "MessageSid": "MM104",
        "NumMedia": "lots",
        "MediaUrl0": "javascript:alert(1)",
    }
    assert post_signed(client, "/messages/sms/inbound/", data).status_code == 200
    data.update(MessageSid="MM105", NumMedia="1")
    assert post_signed(client, "/messages/sms/inbound/", data).status_code == 200
    assert not Attachment.objects.exists() and Message.objects.filter(guardian=mum).count() == 2


def test_the_fetch_media_command_keeps_what_the_background_fetch_left_pending(
    client, world, gateway
):
    """docs/messaging.md: `liaison fetch_media` retries what is still pending."""
    import io

    from django.core.management import call_command

    _household, (mum,) = family(world.district, guardians=1)
    url = gateway.add_media(PNG, "image/png")
    text_with_media(client, mum.phone, "MM105", url)  # its task never ran (no on_commit here)
    assert Attachment.objects.get().is_pending

    def run() -> str:
        out = io.StringIO()
        call_command("fetch_media", stdout=out)
        return out.getvalue()

    assert run() == "kept 1, could not keep 0\n"
    attachment = Attachment.objects.get()
    assert not attachment.is_pending and attachment.size == len(PNG)
    assert attachment.file.read() == PNG
    assert run() == "kept 0, could not keep 0\n"  # nothing is fetched twice
