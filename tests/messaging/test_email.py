"""Email through a real SMTP server: retries when it goes away, RFC 8058 unsubscribe on announcements."""

import datetime as dt
import email
import email.policy
import threading
import time

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from liaison.messaging import channels, delivery, services
from liaison.messaging.audiences import Audience
from liaison.messaging.choices import DeliveryState
from liaison.messaging.models import Delivery, Suppression
from tests.messaging.factories import family
from tests.messaging.smtp import Recorder, SMTPServer


@pytest.fixture
def smtp(settings):
    server = SMTPServer().start()
    settings.MAILERS = server.mailers()
    settings.MESSAGING_CHANNELS = {"email": "liaison.messaging.channels.email.DjangoEmail"}
    channels.reset()
    yield server
    server.stop()
    channels.reset()


def _email_family(district, n, **kwargs):
    return family(district, guardians=n, preferred_channels=["email"], **kwargs)


@pytest.mark.slow
def test_smtp_server_stopped_mid_send_retries_and_completes_when_it_returns(world, settings):
    settings.MESSAGING_MAX_ATTEMPTS = 6
    settings.MESSAGING_RETRY_BASE_SECONDS = 0.5
    settings.MESSAGING_RETRY_MAX_SECONDS = 2
    household, guardians = _email_family(world.district, 12)
    stopped = threading.Event()
    server = SMTPServer()

    def stop_after_four(count):
        if count == 4 and not stopped.is_set():
            stopped.set()
            threading.Thread(target=server.stop).start()

    first_recorder = server.recorder = Recorder(on_message=stop_after_four)
    server.start()
    settings.MAILERS = server.mailers()
    settings.MESSAGING_CHANNELS = {"email": "liaison.messaging.channels.email.DjangoEmail"}
    channels.reset()
    try:
        message = services.send_message(household=household, body="Report cards", by=world.liaison)
        delivery.drain(batch_size=3)
        assert stopped.is_set()
        waiting = message.deliveries.filter(state=DeliveryState.QUEUED)
        assert waiting.exists(), "the deliveries the server missed wait for a retry"
        assert "mail server unavailable" in waiting.first().error

        server.stop()
        server.recorder = Recorder()
        server.start()
        deadline = time.monotonic() + 30
        while message.deliveries.exclude(state=DeliveryState.SENT).exists():
            assert time.monotonic() < deadline, list(
                message.deliveries.values_list("state", "error", "attempts", "lease_until")
            )
            delivery.drain()
            time.sleep(0.05)
    finally:
        server.stop()
        channels.reset()

    before = [r[0] for r, _raw in first_recorder.messages]
    after = [r[0] for r, _raw in server.recorder.messages]
    assert sorted(before + after) == sorted(g.email for g in guardians), "each exactly once"
    assert len(after) > 0
    assert message.deliveries.filter(state=DeliveryState.SENT).count() == 12
    assert message.deliveries.filter(attempts__gt=1).exists()


def test_announcement_email_carries_one_click_unsubscribe(world, smtp, client):
    _household, (mum,) = _email_family(world.district, 1)
    message = services.send_announcement(
        district=world.district,
        audience=Audience(guardian_ids=[mum.pk]),
        subject="Closure",
        body="School closed Friday",
        by=world.admin,
    )
    services.prepare_message(message.pk)
    delivery.drain()
    ((rcpts, raw),) = smtp.recorder.messages
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert rcpts == [mum.email]
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = parsed["List-Unsubscribe"].split(",")[0].strip("<> ")
    assert link.startswith("https://liaison.example.org/messages/u/")
    assert "mailto:reply+unsubscribe-" in parsed["List-Unsubscribe"]

    # RFC 8058: a POST with the token alone, no sign-in, no redirect.
    path = link.removeprefix("https://liaison.example.org")
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Suppression.objects.filter(channel="email", address=mum.email.lower()).exists()
    assert client.post("/messages/u/forged-token/").status_code == 404


def test_conversation_email_has_the_threads_reply_address_and_no_unsubscribe(world, smtp):
    household, (_mum,) = _email_family(world.district, 1)
    message = services.send_message(household=household, body="Hello", by=world.liaison)
    delivery.drain()
    ((_rcpts, raw),) = smtp.recorder.messages
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    token = message.conversation.reply_token
    assert parsed["Reply-To"] == f"reply+{token}@liaison.example.org"
    assert parsed["List-Unsubscribe"] is None


def test_a_hard_bounce_at_the_smtp_server_marks_the_address_unreachable(world, settings):
    class Refusing(Recorder):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 5.1.1 No such user"

    server = SMTPServer(recorder=Refusing()).start()
    settings.MAILERS = server.mailers()
    settings.MESSAGING_CHANNELS = {"email": "liaison.messaging.channels.email.DjangoEmail"}
    channels.reset()
    try:
        household, (mum,) = _email_family(world.district, 1)
        services.send_message(household=household, body="Hello", by=world.liaison)
        delivery.drain()
    finally:
        server.stop()
    d = Delivery.objects.get(guardian=mum)
    assert d.state == DeliveryState.FAILED and "550" in d.error
    assert Suppression.objects.get(channel="email", address=mum.email.lower()).reason == "bounce"


def test_staff_can_switch_a_failed_delivery_to_sms(world, settings, gateway, client):
    settings.MESSAGING_MAX_ATTEMPTS = 1
    down = SMTPServer()  # nothing listens there while this test runs
    settings.MAILERS = down.mailers()
    channels.reset()
    mum = world.caseload_family.guardians.get()
    mum.preferred_channels = ["email", "sms"]
    mum.save()
    services.send_message(household=world.caseload_family, body="Hello", by=world.liaison)
    delivery.drain()
    # A mail server that is down is an outage: the email waits for the district's horizon.
    with time_machine.travel(timezone.now() + dt.timedelta(hours=49)):
        delivery.drain()
        failed = Delivery.objects.get(guardian=mum, channel="email")
        assert failed.state == DeliveryState.FAILED and failed.error

        client.force_login(world.liaison)
        page = client.get(reverse("messaging:conversation", args=[failed.message.conversation_id]))
        assert failed.error in page.content.decode()
        client.post(reverse("messaging:delivery_switch", args=[failed.pk]), {"channel": "sms"})
        delivery.drain()
        assert Delivery.objects.get(guardian=mum, channel="sms").state == DeliveryState.SENT
        assert [m["to"] for m in gateway.sent if m["to"] == mum.phone] == [mum.phone]


def _list_unsubscribe(raw: bytes) -> tuple[str, str, str]:
    """(https link, mailto address, List-Unsubscribe-Post) as a mail client reads them off the wire."""
    parsed = email.message_from_bytes(raw, policy=email.policy.SMTP)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"=?" not in head, "no header is RFC 2047-encoded"
    value = parsed["List-Unsubscribe"]
    assert "=?" not in value
    entries = [e.strip() for e in value.split(",")]
    assert len(entries) == 2 and all(e.startswith("<") and e.endswith(">") for e in entries)
    https, mailto = (e[1:-1] for e in entries)
    assert https.startswith("https://") and mailto.startswith("mailto:")
    return https, mailto.removeprefix("mailto:"), parsed["List-Unsubscribe-Post"]


def test_list_unsubscribe_reads_as_gmail_reads_it_and_both_ways_opt_out(
    world, smtp, client, monkeypatch
):
    import io
    import sys

    from django.core.management import call_command

    _household, (mum, dad) = _email_family(world.district, 2)
    message = services.send_announcement(
        district=world.district,
        audience=Audience(guardian_ids=[mum.pk, dad.pk]),
        subject="Early dismissal on Friday for the whole district",
        body="School closes at noon on Friday.",
        by=world.admin,
    )
    services.prepare_message(message.pk)
    delivery.drain()
    sent = {rcpts[0]: raw for rcpts, raw in smtp.recorder.messages}
    assert set(sent) == {mum.email, dad.email}

    # RFC 8058 as Gmail's bulk-sender rules read it: an https URL, and the one-click POST header.
    mum_link, mum_mailto, post = _list_unsubscribe(sent[mum.email])
    assert post == "List-Unsubscribe=One-Click"
    local, _at, domain = mum_mailto.partition("@")
    assert domain == "liaison.example.org"
    assert len(local) <= 64 and ":" not in local, local  # RFC 5321/5322: a valid local part

    # Mail to that address, as the mail server pipes it into `liaison receive_email`.
    reply = email.message.EmailMessage()
    reply["From"] = mum.email
    reply["To"] = mum_mailto
    reply["Subject"] = "unsubscribe"
    reply.set_content("unsubscribe")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(reply.as_bytes())))
    out = io.StringIO()
    call_command("receive_email", stdout=out)
    assert out.getvalue().strip() == "unsubscribed"
    assert Suppression.objects.filter(channel="email", address=mum.email.lower()).exists()
    assert not Suppression.objects.filter(channel="email", address=dad.email.lower()).exists()

    # The one-click POST from dad's own email.
    dad_link, _dad_mailto, _post = _list_unsubscribe(sent[dad.email])
    assert dad_link != mum_link
    response = client.post(
        dad_link.removeprefix("https://liaison.example.org"), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert Suppression.objects.filter(channel="email", address=dad.email.lower()).exists()

    # Neither gets the next announcement by email.
    smtp.recorder.messages.clear()
    later = services.send_announcement(
        district=world.district,
        audience=Audience(guardian_ids=[mum.pk, dad.pk]),
        subject="Picture day",
        body="Picture day is Monday.",
        by=world.admin,
    )
    services.prepare_message(later.pk)
    delivery.drain()
    assert smtp.recorder.messages == []


def test_a_forged_or_altered_unsubscribe_address_suppresses_nothing(world, smtp):
    import io
    import sys

    from django.core.management import call_command

    _household, (mum,) = _email_family(world.district, 1)
    message = services.send_announcement(
        district=world.district,
        audience=Audience(guardian_ids=[mum.pk]),
        subject="Closure",
        body="School closed Friday",
        by=world.admin,
    )
    services.prepare_message(message.pk)
    delivery.drain()
    ((_rcpts, raw),) = smtp.recorder.messages
    _link, mailto, _post = _list_unsubscribe(raw)
    local, _at, domain = mailto.partition("@")
    other = Delivery.objects.get(guardian=mum).pk + 1
    forged = local.replace(local.split("-")[1], format(other, "x"), 1)
    altered = local[:-1] + ("1" if local.endswith("0") else "0")
    for address in [f"{forged}@{domain}", f"{altered}@{domain}"]:
        raw_mail = f"From: x@example.org\r\nTo: {address}\r\n\r\nunsubscribe\r\n".encode()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw_mail)))
            out = io.StringIO()
            call_command("receive_email", stdout=out)
        assert out.getvalue().strip() == "unknown_address"
    assert not Suppression.objects.exists()
