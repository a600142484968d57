"""Email replies: the thread's reply address, quoted text and signatures stripped, attachment limits, bounces."""

from email.message import EmailMessage

from liaison.messaging import services
from liaison.messaging.models import Attachment, Message, Suppression
from tests.messaging.factories import family

TOKEN = "inbound-secret"


def _post(client, raw, token=TOKEN):
    return client.post(
        "/messages/email/inbound/",
        raw,
        content_type="message/rfc822",
        headers={"Authorization": f"Bearer {token}"},
    )


def _reply(sender, to, text, attachments=()):
    msg = EmailMessage()
    msg["From"] = f"Parent <{sender}>"
    msg["To"] = to
    msg["Subject"] = "Re: Message from your school"
    msg["Message-ID"] = "<reply-1@example.org>"
    msg.set_content(text)
    for name, content in attachments:
        msg.add_attachment(content, maintype="application", subtype="pdf", filename=name)
    return msg.as_bytes()


def test_reply_by_email_lands_in_the_thread_without_quote_or_signature(client, world, settings):
    settings.MESSAGING_INBOUND_EMAIL_TOKEN = TOKEN
    settings.MESSAGING_MAX_ATTACHMENT_BYTES = 1000
    household, (mum,) = family(world.district, guardians=1)
    sent = services.send_message(
        household=household, body="Can you bring the form?", by=world.liaison
    )
    address = f"reply+{sent.conversation.reply_token}@liaison.example.org"
    text = (
        "Yes, I will bring it on Monday.\n\n"
        "-- \nMaria Rivera\n555-0101\n\n"
        "On Mon, Mar 9, 2026 at 10:00 AM Liaison <liaison@localhost> wrote:\n"
        "> Can you bring the form?\n"
    )
    raw = _reply(
        mum.email,
        address,
        text,
        attachments=[("form.pdf", b"%PDF-1.4 small"), ("scan.pdf", b"x" * 5000)],
    )
    response = _post(client, raw)
    assert response.status_code == 202
    reply = Message.objects.get(direction="in")
    assert reply.conversation_id == sent.conversation_id
    assert reply.guardian == mum and reply.channel == "email"
    assert reply.body.startswith("Yes, I will bring it on Monday.")
    assert "wrote:" not in reply.body and "Maria Rivera" not in reply.body
    assert "scan.pdf: too large" in reply.body
    assert list(Attachment.objects.values_list("name", flat=True)) == ["form.pdf"]
    # The mail server retrying the same message stores nothing new.
    _post(client, raw)
    assert Message.objects.filter(direction="in").count() == 1


def test_spanish_quote_header_is_stripped_too(client, world, settings):
    settings.MESSAGING_INBOUND_EMAIL_TOKEN = TOKEN
    household, (mum,) = family(world.district, guardians=1)
    sent = services.send_message(household=household, body="Hola", by=world.liaison)
    address = f"reply+{sent.conversation.reply_token}@liaison.example.org"
    _post(
        client,
        _reply(mum.email, address, "Gracias\n\nEl lun, 9 mar 2026, Liaison escribió:\n> Hola\n"),
    )
    assert Message.objects.get(direction="in").body == "Gracias"


def test_a_wrong_token_is_refused(client, world, settings):
    settings.MESSAGING_INBOUND_EMAIL_TOKEN = TOKEN
    assert _post(client, b"From: x@example.org\r\n\r\nhi", token="nope").status_code == 403
    settings.MESSAGING_INBOUND_EMAIL_TOKEN = ""
    assert _post(client, b"From: x@example.org\r\n\r\nhi", token="").status_code == 403


def test_a_permanent_bounce_report_marks_the_address_unreachable(client, world, settings):
    settings.MESSAGING_INBOUND_EMAIL_TOKEN = TOKEN
    raw = (
        b"From: MAILER-DAEMON@example.org\r\nTo: reply@liaison.example.org\r\n"
        b"Subject: Undelivered Mail\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example.org\r\n\r\n"
        b"Final-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--B--\r\n"
    )
    assert _post(client, raw).status_code == 202
    assert Suppression.objects.get(channel="email", address="gone@example.org").reason == "bounce"
