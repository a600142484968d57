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
        server = SMTPServer(recorder=Recorder(), port=server.port).start()
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
    settings.MAILERS = SMTPServer().mailers()  # nothing listens there
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
