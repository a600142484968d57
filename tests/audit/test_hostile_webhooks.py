"""The hostile-input corpus through every field of the inbound webhooks that tests/audit/test_hostile.py
does not reach: the sender, provider ids and status fields of an SMS, NUL bytes, email headers that
try to inject more headers. Each answer is a clean 2xx or 4xx with no hostile string in a header; what
arrives is first checked to be kept and shown (a test that passed because the message was dropped
would prove nothing), then to render escaped."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from liaison.messaging.models import Message, UnmatchedInbound
from tests.audit import hostile
from tests.audit.test_hostile import _twilio_signature, assert_safe_response

TOKEN = "hostile-test-token"


@pytest.fixture
def signed(client, settings):
    settings.MESSAGING_SMS_AUTH_TOKEN = TOKEN
    settings.PUBLIC_URL = "https://liaison.example.org"

    def post(name, params):
        path = reverse(name)
        signature = _twilio_signature(settings.PUBLIC_URL + path, params, TOKEN)
        return client.post(path, params, headers={"X-Twilio-Signature": signature})

    return post


def _known_number(world):
    guardian = world.caseload_family.guardians.first()
    guardian.phone = "+16175550142"
    guardian.save()
    return guardian


@pytest.mark.parametrize("payload", hostile.CORPUS, ids=range(len(hostile.CORPUS)))
def test_an_sms_from_a_hostile_sender_is_answered_cleanly(client, world, signed, payload):
    response = signed(
        "messaging:sms_inbound", {"From": payload, "Body": payload, "MessageSid": payload}
    )
    assert_safe_response(response, "sms from a hostile sender")
    assert response.status_code == 200
    # First: kept for a liaison to attach, word for word, and shown in the queue.
    text = payload.replace("\x00", "")
    item = UnmatchedInbound.objects.get()
    assert item.body == text
    client.force_login(world.admin)
    queue = client.get(reverse("messaging:unmatched"))
    assert queue.status_code == 200
    assert escape(text[:150]) in queue.content.decode()
    # Then: escaped wherever it appears.
    for url in [reverse("messaging:unmatched"), reverse("messaging:inbox")]:
        assert_safe_response(client.get(url), url)


@pytest.mark.parametrize("payload", [hostile.NUL, "\x00", hostile.SCRIPT + "\x00"])
def test_an_sms_with_a_nul_byte_is_kept_without_it(client, world, signed, payload):
    _known_number(world)
    response = signed(
        "messaging:sms_inbound", {"From": "+16175550142", "Body": payload, "MessageSid": "SMnul"}
    )
    assert_safe_response(response, "sms with NUL")
    assert response.status_code == 200
    # Kept without the NUL byte (PostgreSQL refuses it), the rest word for word, and shown.
    text = payload.replace("\x00", "")
    message = Message.objects.get(direction="in")
    assert message.body == text
    client.force_login(world.admin)
    thread = reverse("messaging:conversation", args=[message.conversation_id])
    page = client.get(thread)
    assert page.status_code == 200
    if text:
        assert escape(text) in page.content.decode()
    timeline = reverse("people:household_timeline", args=[world.caseload_family.pk])
    for url in [thread, timeline]:
        assert_safe_response(client.get(url), url)


@pytest.mark.parametrize("payload", hostile.CORPUS, ids=range(len(hostile.CORPUS)))
def test_a_status_callback_with_hostile_fields_is_answered_cleanly(world, signed, payload):
    response = signed(
        "messaging:sms_status",
        {"MessageSid": payload, "MessageStatus": payload, "ErrorCode": payload},
    )
    assert_safe_response(response, "sms status")
    assert response.status_code in (204, 400)


@pytest.mark.parametrize(
    "header",
    [
        "Authorization: Bearer mail-token\r\nX-Pwned: 1",
        "Bearer \xff\xfe",
        "Bearer " + "A" * 5000,
        "Bearer mail-token\x00",
    ],
)
def test_inbound_email_with_a_hostile_token_is_refused(client, db, settings, header):
    settings.MESSAGING_INBOUND_EMAIL_TOKEN = "mail-token"
    response = client.post(
        reverse("messaging:email_inbound"),
        b"From: a@example.org\r\n\r\nhello\r\n",
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=header,
    )
    assert_safe_response(response, "email token")
    assert response.status_code == 403


def test_inbound_email_that_injects_headers_and_nul_bytes_is_stored_safely(client, world, settings):
    from liaison.messaging import services

    settings.MESSAGING_INBOUND_EMAIL_TOKEN = "mail-token"
    guardian = world.caseload_family.guardians.first()
    guardian.email = "parent@example.org"
    guardian.save()
    sent = services.send_message(
        household=world.caseload_family, body="Can you bring the form?", by=world.liaison
    )
    to = f"reply+{sent.conversation.reply_token}@liaison.example.org"
    raw = (
        b"From: parent@example.org\r\n"
        b"To: " + to.encode() + b"\r\n"
        b"Subject: =?utf-8?q?hi=0D=0ASet-Cookie=3A_pwned=3D1?=\r\n"
        b"Message-ID: <x\r\n Location: https://evil.example.org/>\r\n"
        b"In-Reply-To: " + hostile.SCRIPT.encode() + b"\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"nul\x00byte " + hostile.IMG.encode() + b"\r\n"
    )
    response = client.post(
        reverse("messaging:email_inbound"),
        raw,
        content_type="message/rfc822",
        headers={"Authorization": "Bearer mail-token"},
    )
    assert_safe_response(response, "email inbound")
    assert response.status_code == 202
    assert response.content.decode() == "stored"
    # First: kept in the family's thread (the NUL byte gone, the rest as written) and shown there.
    message = Message.objects.get(direction="in", guardian=guardian, conversation=sent.conversation)
    assert message.body == "nulbyte " + hostile.IMG
    assert not UnmatchedInbound.objects.exists()
    client.force_login(world.admin)
    thread = reverse("messaging:conversation", args=[sent.conversation_id])
    page = client.get(thread)
    assert page.status_code == 200
    assert escape(message.body) in page.content.decode()
    # Then: escaped wherever it appears.
    for url in [
        thread,
        reverse("people:household_timeline", args=[world.caseload_family.pk]),
        reverse("messaging:inbox"),
        reverse("messaging:unmatched"),
    ]:
        assert_safe_response(client.get(url), url)
